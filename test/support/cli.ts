// Runs the CLI in-process, as a user would from a shell, capturing what it prints.
import { Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** `pgolf ...argv`: the exit code and everything written to stdout and stderr. */
export async function pgolf(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}
