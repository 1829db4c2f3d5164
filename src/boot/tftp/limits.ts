/**
 * What one TFTP client, or all of them together, can make the server hold or send. Every
 * provisioning-network machine can reach port 69, so each of these is a cap on an attacker too.
 */

/** Concurrent transfers in all (each holds a socket; dnsmasq's `--tftp-max` default is 50). */
export const MAX_TRANSFERS = 128;
/** Concurrent transfers per source address (a PXE ROM uses one or two at a time). */
export const MAX_TRANSFERS_PER_CLIENT = 8;
/** Largest window (RFC 7440) granted: dnsmasq's TFTP_MAX_WINDOW; the most DATA one ACK can draw. */
export const MAX_WINDOWSIZE = 32;
/** Largest block (RFC 2348) granted: an Ethernet frame (1500 − IP 20 − UDP 8 − TFTP 4), no IP fragments. */
export const MAX_BLKSIZE = 1468;
/** Largest retransmission timeout (RFC 2349) accepted, in seconds; a larger one is declined (left out of the OACK). */
export const MAX_TIMEOUT_S = 5;
/** Longest a transfer may last, however it is paced: 64 MiB (the file cap) lock-step on a LAN fits. */
export const MAX_TRANSFER_MS = 300_000;
/** Blocks a transfer may resend in all, as a multiple of its file's blocks (plus one window per retry). */
export const MAX_RESEND_FACTOR = 2;
/** Bytes of file contents held for all transfers together (one shared copy of each file). */
export const MAX_CACHE_BYTES = 128 * 2 ** 20;
/** Largest file served: firmware, not images (the whole file is held once, in the cache). */
export const MAX_FILE_BYTES = 64 * 2 ** 20;
/** Retransmission timeout when the client negotiates none. */
export const DEFAULT_TIMEOUT_MS = 2000;
/** Retransmissions without progress before a transfer is given up. */
export const DEFAULT_RETRIES = 5;
