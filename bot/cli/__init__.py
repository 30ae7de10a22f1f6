"""The `convrec` command, one module per command group."""
