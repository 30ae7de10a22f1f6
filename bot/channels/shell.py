"""The terminal channel: an interactive chat, or JSON lines in and out (`--json`).

Like every channel it only reads a message, calls `Agent.handle`, and renders the Reply.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory

from bot.dialogue.agent import Agent
from bot.dialogue.replies import Reply, payload
from bot.errors import InputError

HELP = """Talk as you would to a friend who knows movies:
  "something funny from the 90s, not a romance"   "I loved Heat"   "more like the second one"
  "who directed the first one?"   "seen it"   "not that one"   "older"   "more"
Feedback by number:  +2 love it   -2 not for me   s2 seen it   ?2 tell me about it
Commands:  /help   /reset (forget preferences)   /quit"""

SHORTCUTS = {"+": "accept", "-": "reject", "s": "seen", "?": "ask_item_info"}


def shortcut(text: str, last_shown: list[dict]) -> str:
    """`+2` / `-2` / `s2` / `?2` → a Rasa-style payload for item 2 of the last list; else text."""
    text = text.strip()
    if len(text) >= 2 and text[0].lower() in SHORTCUTS and text[1:].isdigit():
        position = int(text[1:])
        if 1 <= position <= len(last_shown):
            intent = SHORTCUTS[text[0].lower()]
            item_id = last_shown[position - 1]["id"]
            if intent == "ask_item_info":
                return f"tell me about {last_shown[position - 1]['title']}"
            return payload(intent, item=item_id)
    return text


def render_reply(reply: Reply, color: bool) -> str:
    bold, dim, cyan, reset = ("\033[1m", "\033[2m", "\033[36m", "\033[0m") if color else ("",) * 4
    lines = [f"{cyan}convrec>{reset} {reply.text}"]
    for position, item in enumerate(reply.items, start=1):
        year = f" ({item['year']})" if item.get("year") else ""
        genres = ", ".join(item.get("genres", []))
        lines.append(f"  {bold}{position}. {item['title']}{year}{reset}  {dim}{genres}{reset}")
        lines.append(f"     {dim}↳ {item['reason']}{reset}")
    if reply.items:
        lines.append(f"  {dim}(+N love it · -N not for me · sN seen · ?N about it · more){reset}")
    return "\n".join(lines)


def run_json(agent: Agent, session_id: str, user_id: str | None, stdin: BinaryIO,
             stdout: TextIO) -> int:
    """One utterance per input line → one JSON object per output line. Never stops on bad input."""
    for raw in stdin:
        line = raw.rstrip(b"\r\n")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            out = {"session": session_id, "error": f"input is not valid UTF-8 (byte {e.start})"}
        else:
            try:
                out = agent.handle(session_id, text, user_id).to_json()
            except InputError as e:
                out = {"session": session_id, "error": str(e)}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def run_interactive(agent: Agent, session_id: str, user_id: str | None, history_file: Path,
                    color: bool = True) -> int:
    history_file.parent.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(history=FileHistory(str(history_file)))
    resumed = agent.has_session(session_id)
    print(f"convrec — session '{session_id}'" + (" (resumed)" if resumed else "")
          + (f", MovieLens user {user_id}" if user_id else "") + ". Type /help for help.")
    if resumed:
        state = agent.state(session_id)
        if state.last_shown:
            print(render_reply(Reply(session_id, "Last time I suggested:", state.last_shown),
                               color))
    while True:
        try:
            text = prompt.prompt(ANSI("\033[1myou>\033[0m ") if color else "you> ")
        except (EOFError, KeyboardInterrupt):
            print("Bye.")
            return 0
        command = text.strip().lower()
        if command in ("/quit", "/exit", "/q"):
            print("Bye.")
            return 0
        if command in ("/help", "help", "?"):
            print(HELP)
            continue
        if command == "/reset":
            text = "/reset"
        text = shortcut(text, agent.state(session_id).last_shown)
        try:
            reply = agent.handle(session_id, text, user_id)
        except InputError as e:
            warn, reset = ("\033[33m", "\033[0m") if color else ("", "")
            print(f"{warn}! {e}{reset}")
            continue
        print(render_reply(reply, color))
        if reply.action == "goodbye":
            return 0


def main(agent: Agent, session_id: str, user_id: str | None, as_json: bool,
         history_file: Path) -> int:
    if as_json:
        return run_json(agent, session_id, user_id, sys.stdin.buffer, sys.stdout)
    return run_interactive(agent, session_id, user_id, history_file, color=sys.stdout.isatty())
