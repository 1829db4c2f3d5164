/**
 * How much of a file the HTTP boot server reads ahead per download. Large chunks (a quarter of the
 * system calls and stream turns per MiB, roughly double an image's throughput) go to at most
 * LARGE_CHUNK_STREAMS downloads at once; the rest read small chunks. Backpressure keeps about two
 * chunks per download buffered (one read, one queued on the socket), so readers that connect and
 * never read hold at most FILE_BUFFER_WORST_BYTES of file data.
 */
import { MAX_CONNECTIONS } from '../../agent/http-server.js';

/** Bytes read at a time by a download holding a large-chunk slot (node's default is 64 KiB). */
export const FILE_CHUNK_BYTES = 512 * 1024;
/** Bytes read at a time by the other downloads. */
export const SMALL_CHUNK_BYTES = 16 * 1024;
/** Downloads reading FILE_CHUNK_BYTES at once (a fleet's worth of concurrent image writes). */
export const LARGE_CHUNK_STREAMS = 64;
/**
 * File data buffered at worst for slow readers (110 MiB): two chunks per download, over the
 * MAX_CONNECTIONS of each of the up to three listeners (plain, vmedia TLS, HTTPS) one handler serves.
 */
export const FILE_BUFFER_WORST_BYTES = 2 * (LARGE_CHUNK_STREAMS * FILE_CHUNK_BYTES + (3 * MAX_CONNECTIONS - LARGE_CHUNK_STREAMS) * SMALL_CHUNK_BYTES);

export class ReadaheadBudget {
  private large = 0;
  private small = 0;

  constructor(private readonly largeStreams = LARGE_CHUNK_STREAMS) {}

  /** A download's chunk size; `release` must be called once when the download ends. */
  take(): { chunkBytes: number; release: () => void } {
    const isLarge = this.large < this.largeStreams;
    if (isLarge) this.large++;
    else this.small++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (isLarge) this.large--;
      else this.small--;
    };
    return { chunkBytes: isLarge ? FILE_CHUNK_BYTES : SMALL_CHUNK_BYTES, release };
  }

  streams(): { large: number; small: number } {
    return { large: this.large, small: this.small };
  }
}
