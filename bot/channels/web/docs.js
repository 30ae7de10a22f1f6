/* The API docs page: reads /openapi.json and lists each endpoint with what it takes and answers.
 * Schemas are shown as compact JSON-like shapes ({"session": string, "user"?: string | integer}).
 * Everything is set with textContent; nothing is fetched from another host. */
(function () {
  "use strict";

  var spec = null;

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var name = schema.$ref.split("/").pop();
      schema = (spec.components && spec.components.schemas || {})[name] || {};
    }
    return schema || {};
  }

  // A schema as a short shape; `depth` stops runaway nesting.
  function shape(schema, depth, indent) {
    schema = resolve(schema);
    indent = indent || "";
    if (depth > 5) return "…";
    var options = schema.anyOf || schema.oneOf;
    if (options) {
      return options.map(function (s) { return shape(s, depth + 1, indent); })
        .filter(function (s, i, all) { return all.indexOf(s) === i; }).join(" | ");
    }
    if (schema.enum) return schema.enum.map(function (v) { return JSON.stringify(v); }).join(" | ");
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.type === "array") return "[" + shape(schema.items || {}, depth + 1, indent) + ", …]";
    if (schema.type === "object" || schema.properties) {
      var props = schema.properties || {};
      var required = schema.required || [];
      var keys = Object.keys(props);
      if (!keys.length) return schema.additionalProperties ? "{string: " +
        shape(schema.additionalProperties, depth + 1, indent) + "}" : "{…}";
      var inner = indent + "  ";
      return "{\n" + keys.map(function (k) {
        var optional = required.indexOf(k) < 0 ? "?" : "";
        return inner + JSON.stringify(k) + optional + ": " + shape(props[k], depth + 1, inner);
      }).join(",\n") + "\n" + indent + "}";
    }
    if (schema.type === "string" && schema.format === "binary") return "bytes";
    return schema.type || "any";
  }

  function block(parent, title, text) {
    parent.appendChild(h("h3", null, title));
    parent.appendChild(h("pre", null, text));
  }

  function endpoint(path, method, op) {
    var section = h("section");
    section.id = method + "-" + path.replace(/[^A-Za-z0-9]+/g, "-");
    var head = h("h2");
    head.appendChild(h("span", "method " + method, method.toUpperCase()));
    head.appendChild(h("span", "path", path));
    section.appendChild(head);
    if (op.summary) section.appendChild(h("p", "description", op.summary));
    if (op.description) section.appendChild(h("p", "description", op.description));
    var params = (op.parameters || []).map(function (p) {
      return p.name + " (" + p.in + (p.required ? ", required" : "") + "): " +
        shape(p.schema || {}, 0) + (p.description ? " — " + p.description : "");
    });
    if (params.length) block(section, "Parameters", params.join("\n"));
    var body = op.requestBody && op.requestBody.content;
    if (body) {
      Object.keys(body).forEach(function (type) {
        block(section, "Request body (" + type + ")", shape(body[type].schema || {}, 0));
      });
    }
    var errors = [];
    Object.keys(op.responses || {}).forEach(function (code) {
      var r = op.responses[code];
      var content = r.content && (r.content["application/json"] || r.content[Object.keys(r.content)[0]]);
      if (Number(code) >= 400) {  // all {"error": message}: one line each
        errors.push(code + " " + (r.description || ""));
        return;
      }
      var text = content && content.schema ? shape(content.schema, 0) : "";
      block(section, code + " " + (r.description || ""), text || "(no body)");
    });
    if (errors.length) block(section, 'Errors, each {"error": message}', errors.join("\n"));
    return section;
  }

  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (data) {
    spec = data;
    var info = data.info || {};
    document.getElementById("summary").textContent =
      (info.description || "") + "\nOpenAPI " + data.openapi + ", version " + info.version + ".";
    var main = document.getElementById("endpoints");
    Object.keys(data.paths || {}).forEach(function (path) {  // the server's own order
      var methods = data.paths[path];
      Object.keys(methods).forEach(function (method) {
        main.appendChild(endpoint(path, method, methods[method]));
      });
    });
  }).catch(function (e) {
    document.getElementById("summary").textContent = "Could not load /openapi.json: " + e.message;
  });
})();
