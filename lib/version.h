/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The version vsockctl and vsockd report; one definition for both (the
 * build may pass another with -DVSOCK_VERSION=...). */
#ifndef VSOCK_LIB_VERSION_H
#define VSOCK_LIB_VERSION_H

#ifndef VSOCK_VERSION
#define VSOCK_VERSION "0.1.0"
#endif

#endif /* VSOCK_LIB_VERSION_H */
