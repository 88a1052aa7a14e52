// Types for seek-bzip 2 (pure-JS bzip2 decoder), which ships none: the one call decompress_any.ts makes.
declare module "seek-bzip" {
  interface OutputStream {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    /** Decodes a whole bzip2 stream into `output`, or into a new Buffer when it is left out. */
    decode(input: Buffer, output?: OutputStream | number, multistream?: boolean): Buffer;
  };
  export default Bunzip;
}
