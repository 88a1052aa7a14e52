// In an entry's process (train/train_child.ts, eval/entry_host.ts): stdout carries the protocol's
// frames and nothing else, so everything the entry prints is sent to stderr, and frames are written
// through the one handle kept here. On Linux a pipe is written synchronously, so a frame is out when
// `send` returns; the promise resolves once the pipe has room again.
import { encodeMessageParts, type MessageKind } from "./protocol.js";

export type SendFrame = (kind: MessageKind, header: Record<string, unknown>, payload?: Uint8Array) => Promise<void>;

export function frameStdout(): SendFrame {
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  console.log = console.error;
  console.info = console.error;
  return (kind, header, payload) => {
    const [head, body] = encodeMessageParts(kind, header, payload);
    out(head);
    return new Promise((resolve) => {
      if (out(body)) resolve();
      else process.stdout.once("drain", () => resolve());
    });
  };
}
