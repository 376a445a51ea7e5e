/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Byte counts of a TCP socket that tell the relay whether a direction is
 * fully forwarded: what the socket received, what its write queue took. */
#ifndef VSOCKD_RELAY_TCP_H
#define VSOCKD_RELAY_TCP_H

#include <stdbool.h>
#include <linux/types.h>

/* Bytes fd's TCP write queue has taken since the connection started
 * (bytes acked + SIOCOUTQ, read so that no ACK falls between the two;
 * before any FIN of ours). 0 or -errno. */
int tcp_taken(int fd, __u64 *out);
/* Bytes fd received in order (tcpi_bytes_received, no FIN). */
int tcp_received(int fd, __u64 *out);
/* Bytes fd received that nobody has read yet (SIOCINQ; only meaningful
 * while fd is in no sockmap). */
int tcp_unread(int fd, __u64 *out);
/* Whether fd sent its FIN (shut for writing: a state after it). */
bool tcp_sent_fin(int fd);
/* Whether fd has received its peer's FIN (or was reset). */
bool tcp_peer_shut(int fd);
/* The pending error of fd (SO_ERROR, which reading clears), 0 if none. */
int tcp_error(int fd);
/* Close fd with a reset (SO_LINGER {1, 0}). */
void tcp_abort(int fd);

#endif /* VSOCKD_RELAY_TCP_H */
