// Lint: typescript-eslint's recommended rules plus pgolf's architecture rules:
//  - pgolf/layers: imports point one way, as CONTRIBUTING.md declares
//    (core <- engine <- nn <- model, core <- data, then the entry contract, then train/eval <- artifact <- submission
//     <- lineage <- leaderboard <- server <- cli);
//  - pgolf/one-onnxruntime: exactly one module imports onnxruntime-node;
//  - the web UI's browser code (src/server/ui/) builds pages from text only and imports nothing
//    outside its folder (see BROWSER_CODE below).
import tseslint from "typescript-eslint";
import * as path from "node:path";

/** Layer -> the layers it may import from (itself included). */
export const LAYERS = {
  core: ["core"],
  engine: ["core", "engine"],
  nn: ["core", "engine", "nn"],
  model: ["core", "engine", "nn", "model"],
  data: ["core", "data"],
  // The entry contract: config, load, seal, the size rule, the sandbox, and the shared rule constants.
  entry: ["core", "engine", "nn", "model", "data", "entry"],
  train: ["core", "engine", "nn", "model", "data", "entry", "train"],
  // The trusted evaluator loads entries through the training harness's entry contract.
  eval: ["core", "engine", "nn", "model", "data", "entry", "train", "eval"],
  artifact: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact"],
  submission: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact", "submission"],
  // Attribution: what each submission reuses from earlier ones, and what it credits.
  lineage: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact", "submission", "lineage"],
  leaderboard: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact", "submission", "lineage", "leaderboard"],
  server: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact", "submission", "lineage", "leaderboard", "server"],
  cli: ["core", "engine", "nn", "model", "data", "entry", "train", "eval", "artifact", "submission", "lineage", "leaderboard", "server", "cli"],
};
/** The one file allowed to import onnxruntime-node. */
export const ONNXRUNTIME_MODULE = "src/engine/ort/runtime.ts";

const root = path.dirname(new URL(import.meta.url).pathname);

function layerOf(file) {
  const rel = path.relative(path.join(root, "src"), file);
  if (rel.startsWith("..")) return undefined;
  const top = rel.split(path.sep)[0];
  if (top === "index.ts" || top === "contest.ts") return "cli"; // the package entries re-export every layer
  return top;
}

const pgolfPlugin = {
  rules: {
    layers: {
      meta: { type: "problem", schema: [], messages: { up: "{{from}} may not import {{to}} ({{spec}}): layers import one way, see CONTRIBUTING.md", unknown: "{{file}} is in no declared layer; add its folder to LAYERS in eslint.config.js" } },
      create(context) {
        const file = context.filename;
        const from = layerOf(file);
        if (from === undefined) return {};
        if (!(from in LAYERS)) {
          return { Program(node) { context.report({ node, messageId: "unknown", data: { file: path.relative(root, file) } }); } };
        }
        const check = (node, spec) => {
          if (typeof spec !== "string" || !spec.startsWith(".")) return;
          const target = path.resolve(path.dirname(file), spec);
          const to = layerOf(target);
          if (to !== undefined && !LAYERS[from].includes(to)) context.report({ node, messageId: "up", data: { from, to, spec } });
        };
        return {
          ImportDeclaration: (n) => check(n, n.source.value),
          ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
          ExportAllDeclaration: (n) => check(n, n.source.value),
          ImportExpression: (n) => n.source.type === "Literal" && check(n, n.source.value),
        };
      },
    },
    "one-onnxruntime": {
      meta: { type: "problem", schema: [], messages: { only: "only {{allowed}} may import onnxruntime-node; talk to it instead" } },
      create(context) {
        const rel = path.relative(root, context.filename);
        const check = (node, spec) => {
          if (typeof spec === "string" && spec.startsWith("onnxruntime") && rel !== ONNXRUNTIME_MODULE) {
            context.report({ node, messageId: "only", data: { allowed: ONNXRUNTIME_MODULE } });
          }
        };
        return {
          ImportDeclaration: (n) => check(n, n.source.value),
          ImportExpression: (n) => n.source.type === "Literal" && check(n, n.source.value),
        };
      },
    },
  },
};

/** The web UI's browser code, bundled for the page (src/server/ui_script.ts) and typed by tsconfig.browser.json. */
const BROWSER_CODE = "src/server/ui/**/*.ts";

export default tseslint.config(
  // test/adversarial/blind holds attacks as their authors wrote them: not pgolf code
  { ignores: ["dist/**", "node_modules/**", "data/**", "runs/**", "test-output/**", "bench-output/**", "test/adversarial/blind/**"] },
  ...tseslint.configs.recommended,
  {
    plugins: { pgolf: pgolfPlugin },
    rules: {
      "pgolf/layers": "error",
      "pgolf/one-onnxruntime": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Browser globals (document, fetch, localStorage) need no declaration here: no-undef is off for
    // TypeScript, whose compiler checks names against the DOM's types (tsconfig.browser.json).
    files: [BROWSER_CODE],
    rules: {
      // a server module would bring Node's modules into the page's bundle and its types into the DOM's
      "no-restricted-imports": ["error", { patterns: [{ group: ["../*", "node:*"], message: "the browser code imports only from src/server/ui/" }] }],
      // text from a record, an author or a worker reaches a page as text, never as markup
      "no-restricted-syntax": [
        "error",
        { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]", message: "set textContent or build elements (dom.ts): never parse data as HTML" },
        { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|createContextualFragment)$/]", message: "build elements (dom.ts): never parse data as HTML" },
        { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^write(ln)?$/]", message: "build elements (dom.ts): never parse data as HTML" },
      ],
    },
  },
);
