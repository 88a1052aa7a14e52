// The backends pgolf ships. The ort backend is loaded on first use, so code that only needs the
// reference backend never loads onnxruntime.
import { registerBackend } from "../backend.js";
import { referenceBackend } from "./reference.js";

registerBackend("reference", async () => referenceBackend);
registerBackend("ort", async () => (await import("./ort.js")).ortBackend);
