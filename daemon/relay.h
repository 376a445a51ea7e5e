/* PLACEHOLDER until the relay branch lands. */
#ifndef VSOCKD_RELAY_H
#define VSOCKD_RELAY_H
struct relay;
struct vs_loader; struct loop;
struct relay *relay_open(struct vs_loader *ld, struct loop *l);
void relay_close(struct relay *rl);
int relay_pair(struct relay *rl, int cfd, int bfd, unsigned int svc_id, unsigned int slot);
#endif
