# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# vsock: eBPF socket redirection. Everything generated goes to $(O).

O		?= build
V		?= 0
ARCH		?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG		?= clang
BPFTOOL		?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
DESTDIR		?=
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux
PIN_ROOT	?= /sys/fs/bpf/vsock

# Debian 12 packages the build, the tests and the demo need.
DEB_PACKAGES	:= clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
		   libcmocka-dev pkg-config iproute2 util-linux python3 make gcc
# vsockd: sd_notify, JSON on the control socket, INI config, libFuzzer
# runtime (clang -fsanitize=fuzzer), systemd-analyze for the unit test
DEB_PACKAGES	+= libsystemd-dev libjansson-dev libinih-dev libclang-rt-14-dev systemd
# the nginx upload test (tests/integration/nginx_upload.sh): a real
# application that reads what FIONREAD reports
DEB_PACKAGES	+= nginx curl
# nft rules in a test's own network namespace (tests/integration/test_retransmit.c)
DEB_PACKAGES	+= nftables
# libvsock's vsock_send_multi(): one io_uring submission for N sockets
DEB_PACKAGES	+= liburing-dev

CFLAGS		?= -O2 -g
WARNINGS	:= -Wall -Wextra -Werror
ALL_CPPFLAGS	:= -D_GNU_SOURCE -Iinclude -Iloader -I$(O) \
		   -DVS_PIN_ROOT='"$(PIN_ROOT)"' $(CPPFLAGS)
ALL_CFLAGS	:= $(WARNINGS) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS	:= $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
JANSSON_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS	:= $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
DAEMON_PKGS	:= libsystemd jansson inih
DAEMON_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS) 2>/dev/null)
DAEMON_LIBS	:= $(shell $(PKG_CONFIG) --libs $(DAEMON_PKGS) 2>/dev/null || \
		     echo -lsystemd -ljansson -linih) -lpthread
UNITDIR		?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || \
		     echo /lib/systemd/system)
FUZZ_CC		?= $(CLANG)
FUZZ_TIME	?= 300
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -D__bpf__ \
		   $(WARNINGS) -Wno-unused-function -Wno-unused-parameter -I$(O) -Iinclude -Ibpf

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_NAMES	:= $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
BPF_OBJS	:= $(patsubst %,$(O)/bpf/%.bpf.o,$(BPF_NAMES))
SKELS		:= $(patsubst %,$(O)/%.skel.h,$(BPF_NAMES))
BPF_HDRS	:= $(wildcard bpf/*.h) $(wildcard include/vsock/*.h)

LOADER_SRCS	:= $(wildcard loader/*.c)
LOADER_OBJS	:= $(patsubst %.c,$(O)/%.o,$(LOADER_SRCS))
LIBLOADER	:= $(O)/libvsockload.a
# libvsockutil.a: what vsockctl and vsockd share (formatting, a socket's
# JSON, the control protocol and its client, the version). Its users
# compile with -Ilib; it depends on include/ and loader/ only.
LIB_SRCS	:= $(wildcard lib/*.c)
LIB_OBJS	:= $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
LIBUTIL		:= $(O)/libvsockutil.a
LIB_HDRS	:= $(wildcard lib/*.h)
CLI_SRCS	:= $(wildcard cli/*.c)
CLI_OBJS	:= $(patsubst %.c,$(O)/%.o,$(CLI_SRCS))
CLI_LIB_OBJS	:= $(filter-out $(O)/cli/main.o,$(CLI_OBJS))
USER_HDRS	:= $(wildcard include/vsock/*.h loader/*.h)
CLI_HDRS	:= $(wildcard cli/*.h)

# vsockd: daemon/*.c; the library part (all but main.o) also links into
# the unit tests.
DAEMON_SRCS	:= $(wildcard daemon/*.c)
DAEMON_OBJS	:= $(patsubst %.c,$(O)/%.o,$(DAEMON_SRCS))
DAEMON_LIB_OBJS	:= $(filter-out $(O)/daemon/main.o,$(DAEMON_OBJS))
DAEMON_LIB	:= $(O)/libvsockd.a
DAEMON_HDRS	:= $(wildcard daemon/*.h)
# libFuzzer targets: tests/fuzz/fuzz_NAME.c, built with the sanitizers
# together with the sources it exercises (FUZZ_SRCS_NAME); its seeds are
# tests/fuzz/corpus/NAME/, its dictionary tests/fuzz/NAME.dict, extra
# libFuzzer flags in tests/fuzz/NAME.options. A new target is its .c file
# and one FUZZ_SRCS_ line.
FUZZ_SRCS_ctlmsg	:= daemon/ctlmsg.c
FUZZ_SRCS_config	:= daemon/config.c daemon/log.c lib/svcrule.c lib/policyrule.c lib/ruleerr.c
FUZZ_SRCS_svcrule	:= lib/svcrule.c lib/ruleerr.c
FUZZ_SRCS_procstat	:= daemon/procfs.c
FUZZ_SRCS_jsonstr	:= lib/jsonstr.c lib/ctlsock.c
FUZZ_SRCS_cli		:= $(filter-out cli/main.c,$(CLI_SRCS)) $(LIB_SRCS)
FUZZ_SRCS_cgpath	:= loader/cgpath.c
FUZZ_SRCS_policyrule	:= lib/policyrule.c lib/ruleerr.c
FUZZ_NAMES	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS	:= $(patsubst %,$(O)/tests/fuzz/fuzz_%,$(FUZZ_NAMES))

# libvsock: the applications' library (include/vsock/vsock.h), shared and
# static, with vsock.pc; independent of libbpf and of the rest of the tree
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
LIBVSOCK_SOVER	:= 1
LIBVSOCK_SRCS	:= $(wildcard libvsock/*.c)
LIBVSOCK_OBJS	:= $(patsubst %.c,$(O)/%.o,$(LIBVSOCK_SRCS))
LIBVSOCK_HDRS	:= $(wildcard libvsock/*.h) include/vsock/vsock.h
LIBVSOCK_A	:= $(O)/libvsock.a
LIBVSOCK_SO	:= $(O)/libvsock.so.$(LIBVSOCK_SOVER)
URING_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags liburing 2>/dev/null)
URING_LIBS	:= $(shell $(PKG_CONFIG) --libs liburing 2>/dev/null || echo -luring)
# what a program of this tree links to use libvsock (statically)
LIBVSOCK_LINK	:= $(LIBVSOCK_A) $(URING_LIBS)

BENCH_SRCS	:= $(wildcard bench/*.c)
BENCH_BINS	:= $(patsubst %.c,$(O)/%,$(BENCH_SRCS))
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst %.c,$(O)/%,$(UNIT_SRCS))
KTEST_SRCS	:= $(wildcard tests/bpf/test_*.c tests/integration/test_*.c)
KTEST_BINS	:= $(patsubst %.c,$(O)/%,$(KTEST_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all check demo deps bench install uninstall clean vmlinux help tests
.PHONY: install-vsockd fuzz deps-graph libvsock install-libvsock

all: $(O)/vsockctl
all: $(O)/vsockd
all: libvsock $(O)/examples/fanout

$(O) $(O)/bpf $(O)/loader $(O)/lib $(O)/cli $(O)/bench $(O)/tests/unit $(O)/tests/bpf $(O)/tests/integration $(O)/tests/lib:
	$(Q)mkdir -p $@

# vmlinux.h from the running kernel's BTF, else the vendored copy.
$(O)/vmlinux.h: | $(O)
	$(call msg,GEN,$@)
	$(Q)if [ -r $(VMLINUX_BTF) ]; then \
		$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@; \
	elif [ -r bpf/vmlinux/$(ARCH)/vmlinux.h ]; then \
		cp bpf/vmlinux/$(ARCH)/vmlinux.h $@; \
	else echo "no $(VMLINUX_BTF) and no bpf/vmlinux/$(ARCH)/vmlinux.h" >&2; exit 1; fi

vmlinux: $(O)/vmlinux.h

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(O)/vmlinux.h | $(O)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(O)/loader/%.o: loader/%.c $(USER_HDRS) $(SKELS) | $(O)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBLOADER): $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(O)/lib/%.o: lib/%.c $(USER_HDRS) $(LIB_HDRS) | $(O)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Ilib $(JANSSON_CFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBUTIL): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(O)/cli/%.o: cli/%.c $(USER_HDRS) $(LIB_HDRS) $(CLI_HDRS) | $(O)/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Ilib $(JANSSON_CFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(O)/vsockctl: $(CLI_OBJS) $(LIBUTIL) $(LIBLOADER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(JANSSON_LIBS)

$(O)/daemon $(O)/tests/fuzz:
	$(Q)mkdir -p $@

$(O)/daemon/%.o: daemon/%.c $(USER_HDRS) $(LIB_HDRS) $(DAEMON_HDRS) | $(O)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Ilib $(DAEMON_CFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(DAEMON_LIB): $(DAEMON_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(O)/vsockd: $(O)/daemon/main.o $(DAEMON_LIB) $(LIBUTIL) $(LIBLOADER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(DAEMON_LIBS)

# libvsock: position-independent objects for both libraries; only the
# functions marked visibility("default") are exported
$(O)/libvsock $(O)/examples:
	$(Q)mkdir -p $@

$(O)/libvsock/%.o: libvsock/%.c $(LIBVSOCK_HDRS) | $(O)/libvsock
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Iinclude -Ilibvsock -fPIC -fvisibility=hidden $(URING_CFLAGS) \
		$(ALL_CFLAGS) -c $< -o $@

$(LIBVSOCK_A): $(LIBVSOCK_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(LIBVSOCK_SO): $(LIBVSOCK_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libvsock.so.$(LIBVSOCK_SOVER) -Wl,-z,defs \
		-o $@ $^ $(URING_LIBS) -lpthread

$(O)/libvsock.so: $(LIBVSOCK_SO)
	$(Q)ln -sf $(notdir $<) $@

# vsock.pc for the install paths; `make install` writes it again, so that
# a PREFIX or LIBDIR given only there is the one it names
VSOCK_PC_GEN	= sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		  -e "s|@VERSION@|$$(sed -n 's/^\#define VSOCK_VERSION "\(.*\)"/\1/p' lib/version.h)|" \
		  libvsock/vsock.pc.in

$(O)/vsock.pc: libvsock/vsock.pc.in lib/version.h | $(O)
	$(call msg,GEN,$@)
	$(Q)$(VSOCK_PC_GEN) > $@

libvsock: $(LIBVSOCK_A) $(O)/libvsock.so $(O)/vsock.pc

$(O)/examples/%: examples/%.c $(LIBVSOCK_A) include/vsock/vsock.h | $(O)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Iinclude $(ALL_CFLAGS) -o $@ $< $(LIBVSOCK_LINK)

# The fuzz targets: no root, no kernel; libvsockutil.a and libvsockload.a
# (not instrumented) only for symbols that the tested sources reference
# but the targets never call.
FUZZ_CFLAGS	:= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		   -D_GNU_SOURCE -DVS_PIN_ROOT='"$(PIN_ROOT)"' -Idaemon -Icli -Ilib -Iinclude \
		   -Iloader -I$(O) $(DAEMON_CFLAGS) $(WARNINGS) \
		   -Wno-missing-field-initializers  # clang 14 wants them even when designated
FUZZ_LIBS	:= $(LIBUTIL) $(LIBLOADER) $(LIBBPF_LIBS) $(DAEMON_LIBS)
FUZZ_HDRS	:= $(USER_HDRS) $(LIB_HDRS) $(CLI_HDRS) $(DAEMON_HDRS)

define FUZZ_RULE
$(O)/tests/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $$(FUZZ_HDRS) $$(LIBUTIL) $$(LIBLOADER) | $(O)/tests/fuzz
	$$(call msg,FUZZ-CC,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_SRCS_$(1)) $$(FUZZ_LIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(f))))

# A unit test sees lib/ and the headers of the program whose modules it
# tests (UNIT_DIRS); test_tunables checks that both programs read one table.
# VS_SRCDIR lets a test find docs and examples from anywhere.
UNIT_DIRS	= daemon
CLI_UNIT_BINS	:= $(patsubst %,$(O)/tests/unit/%,test_cli_args test_output test_sockjson)
$(CLI_UNIT_BINS): UNIT_DIRS = cli
$(O)/tests/unit/test_tunables: UNIT_DIRS = cli daemon

$(O)/tests/unit/%: tests/unit/%.c $(CLI_LIB_OBJS) $(DAEMON_LIB) $(LIBUTIL) $(LIBLOADER) \
		$(USER_HDRS) $(LIB_HDRS) $(CLI_HDRS) $(DAEMON_HDRS) | $(O)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(addprefix -I,$(UNIT_DIRS)) -Ilib -DVS_SRCDIR='"$(CURDIR)"' $(DAEMON_CFLAGS) \
		$(ALL_CFLAGS) -o $@ $< $(CLI_LIB_OBJS) $(DAEMON_LIB) $(LIBUTIL) $(LIBLOADER) \
		$(CMOCKA_LIBS) $(LIBBPF_LIBS) $(DAEMON_LIBS)

# the kernel tests' harness (tests/integration/testlib.h, daemonlib.h),
# built once; daemonctl.o talks to vsockd and goes only into test_daemon
TESTLIB_SRCS	:= $(wildcard tests/integration/testlib_*.c) tests/integration/daemonlib.c \
		   tests/integration/proxylib.c
TESTLIB_OBJS	:= $(patsubst tests/integration/%.c,$(O)/tests/lib/%.o,$(TESTLIB_SRCS))
TESTLIB		:= $(O)/tests/libvstest.a
TESTLIB_HDRS	:= tests/integration/testlib.h tests/integration/daemonlib.h \
		   tests/integration/proxylib.h
KTEST_DEPS	:= $(TESTLIB) $(LIBLOADER) $(LIBUTIL) $(SKELS) $(USER_HDRS) $(TESTLIB_HDRS)
KTEST_BUILD	= $(CC) $(ALL_CPPFLAGS) -Itests/integration $(ALL_CFLAGS) -o $@ $< \
		  $(TESTLIB) $(LIBLOADER) $(LIBUTIL) $(LIBBPF_LIBS) -lpthread

$(O)/tests/lib/%.o: tests/integration/%.c $(USER_HDRS) $(TESTLIB_HDRS) | $(O)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/integration $(ALL_CFLAGS) -c $< -o $@

$(TESTLIB): $(TESTLIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(O)/tests/lib/daemonctl.o: tests/integration/daemonctl.c tests/integration/daemonctl.h \
		$(USER_HDRS) $(LIB_HDRS) $(TESTLIB_HDRS) | $(O)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/integration -Ilib $(ALL_CFLAGS) -c $< -o $@

$(O)/tests/bpf/%: tests/bpf/%.c $(KTEST_DEPS) | $(O)/tests/bpf
	$(call msg,CC,$@)
	$(Q)$(KTEST_BUILD)

$(O)/tests/integration/%: tests/integration/%.c $(KTEST_DEPS) | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(KTEST_BUILD)

# the daemon test talks to vsockd through lib's control-socket client
$(O)/tests/integration/test_daemon: tests/integration/test_daemon.c $(KTEST_DEPS) \
		$(O)/tests/lib/daemonctl.o $(LIBUTIL) $(LIB_HDRS) | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/integration -Ilib $(ALL_CFLAGS) -o $@ $< \
		$(O)/tests/lib/daemonctl.o $(TESTLIB) $(LIBUTIL) $(LIBLOADER) $(LIBBPF_LIBS) \
		$(JANSSON_LIBS) -lpthread

# the migration's test writes a service and a policy rule with lib's parsers
$(O)/tests/integration/test_migrate: tests/integration/test_migrate.c $(KTEST_DEPS) \
		$(LIB_HDRS) | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/integration -Ilib $(ALL_CFLAGS) -o $@ $< \
		$(TESTLIB) $(LIBLOADER) $(LIBUTIL) $(LIBBPF_LIBS) -lpthread

# the relay's test plays vsockd: it links the daemon's library
$(O)/tests/integration/test_relay: tests/integration/test_relay.c $(KTEST_DEPS) \
		$(DAEMON_LIB) $(DAEMON_HDRS) | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/integration -Idaemon -Ilib $(ALL_CFLAGS) -o $@ $< \
		$(TESTLIB) $(DAEMON_LIB) $(LIBUTIL) $(LIBLOADER) $(LIBBPF_LIBS) $(DAEMON_LIBS)

# libvsock's tests: its internal headers and the static library
$(O)/tests/unit/test_vsock_send: tests/unit/test_vsock_send.c $(LIBVSOCK_A) $(LIBVSOCK_HDRS) \
		| $(O)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Ilibvsock $(ALL_CFLAGS) -o $@ $< $(LIBVSOCK_LINK) $(CMOCKA_LIBS)

$(O)/tests/integration/test_multisend: tests/integration/test_multisend.c $(KTEST_DEPS) \
		$(LIBVSOCK_A) include/vsock/vsock.h | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(KTEST_BUILD) $(LIBVSOCK_LINK)

# kernel behaviour reproduced without vsock (docs/architecture.md): built, so
# that they keep compiling; run by hand
REPRO_BINS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/repro/*.c))

$(O)/tests/repro/%: tests/repro/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -D_GNU_SOURCE $(ALL_CFLAGS) -o $@ $< -lpthread

# the fan-out rows' program calls libvsock
$(O)/bench/fanout: bench/fanout.c $(wildcard bench/*.h) $(LIBVSOCK_A) include/vsock/vsock.h \
		| $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Iinclude $(ALL_CFLAGS) -o $@ $< $(LIBVSOCK_LINK) -lpthread -lm

$(O)/bench/%: bench/%.c $(wildcard bench/*.h) | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Ibench $(ALL_CFLAGS) -o $@ $< -lpthread -lm

tests: $(O)/vsockctl $(UNIT_BINS) $(KTEST_BINS)
tests: $(O)/vsockd $(FUZZ_BINS) $(REPRO_BINS)
# bench/copyrelay, the proxy rows' baseline, has its own test (test_copyrelay)
tests: $(O)/bench/copyrelay
tests: libvsock $(O)/examples/fanout $(O)/bench/fanout

# Install missing Debian packages, non-interactively; a no-op when all are there.
deps:
	@missing=""; for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "deps: missing packages:$$missing (run as root to install)" >&2; exit 1; fi; \
		echo "  DEPS     installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)O=$(O) tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) tests/demo.sh

# Side-by-side benchmark: loopback TCP, vsock, AF_UNIX (QUICK=1: about a minute),
# and the proxy rows: vsockd's relay, HAProxy, bench/copyrelay.
# run.sh measures into $(O)/bench/raw.tsv (root); render.sh writes the table,
# docs/performance.md and the plot from it, and bench-render does only that.
.PHONY: bench-render
bench:
	$(Q)$(MAKE) --no-print-directory deps EXTRA_PACKAGES="gnuplot-nox sockperf haproxy"
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)O=$(O) QUICK=$(QUICK) bench/run.sh
	$(Q)$(MAKE) --no-print-directory bench-render

bench-render:
	$(Q)O=$(O) bench/render.sh

install: all
	install -m 0755 -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(O)/vsockctl $(DESTDIR)$(SBINDIR)/vsockctl
	install -m 0644 docs/vsockctl.8 $(DESTDIR)$(MANDIR)/man8/vsockctl.8
	install -m 0644 cli/vsockctl.bash $(DESTDIR)$(BASHCOMPDIR)/vsockctl
install: install-vsockd
install: install-libvsock

# the unit names /usr/local/sbin/vsockd; installed, it names $(SBINDIR)
install-vsockd: $(O)/vsockd
	install -m 0755 -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(O)/vsockd $(DESTDIR)$(SBINDIR)/vsockd
	install -m 0644 docs/vsockd.8 $(DESTDIR)$(MANDIR)/man8/vsockd.8
	sed 's|/usr/local/sbin/vsockd|$(SBINDIR)/vsockd|' daemon/vsockd.service > $(DESTDIR)$(UNITDIR)/vsockd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vsockd.service

# libvsock for applications: headers, both libraries, vsock.pc, man 3
install-libvsock: libvsock
	install -m 0755 -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/vsock \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3
	install -m 0644 include/vsock/vsock.h $(DESTDIR)$(INCLUDEDIR)/vsock/vsock.h
	install -m 0644 $(LIBVSOCK_A) $(DESTDIR)$(LIBDIR)/libvsock.a
	install -m 0755 $(LIBVSOCK_SO) $(DESTDIR)$(LIBDIR)/libvsock.so.$(LIBVSOCK_SOVER)
	ln -sf libvsock.so.$(LIBVSOCK_SOVER) $(DESTDIR)$(LIBDIR)/libvsock.so
	$(VSOCK_PC_GEN) > $(DESTDIR)$(PKGCONFIGDIR)/vsock.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/vsock.pc
	install -m 0644 docs/vsock_send_multi.3 $(DESTDIR)$(MANDIR)/man3/vsock_send_multi.3

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/vsock/vsock.h $(DESTDIR)$(LIBDIR)/libvsock.a \
	      $(DESTDIR)$(LIBDIR)/libvsock.so.$(LIBVSOCK_SOVER) $(DESTDIR)$(LIBDIR)/libvsock.so \
	      $(DESTDIR)$(PKGCONFIGDIR)/vsock.pc $(DESTDIR)$(MANDIR)/man3/vsock_send_multi.3
	rm -f $(DESTDIR)$(SBINDIR)/vsockctl $(DESTDIR)$(MANDIR)/man8/vsockctl.8 \
	      $(DESTDIR)$(BASHCOMPDIR)/vsockctl
	rm -f $(DESTDIR)$(SBINDIR)/vsockd $(DESTDIR)$(MANDIR)/man8/vsockd.8 \
	      $(DESTDIR)$(UNITDIR)/vsockd.service

# Every fuzz target for FUZZ_TIME seconds, FUZZ_JOBS at a time (make
# check: a few seconds each); the corpora grow in $(O)/tests/fuzz/corpus,
# crashes are saved as $(O)/tests/fuzz/NAME-crash-*.
FUZZ_JOBS	?= $(shell nproc 2>/dev/null || echo 1)
fuzz:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)O=$(O) FUZZ_CHECK_TIME=$(FUZZ_TIME) FUZZ_JOBS=$(FUZZ_JOBS) \
		FUZZ_KEEP=$(O)/tests/fuzz tests/integration/fuzz.sh

# The include/link graph between top-level directories (before/after a
# refactor: tools/deps-graph.py DIR on another checkout); fails on an
# edge that points the wrong way.
deps-graph:
	$(Q)python3 tools/deps-graph.py

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

help:
	@echo 'make [O=dir] [V=1] TARGET'
	@echo '  all      build vsockctl, vsockd and the BPF objects (default)'
	@echo '  deps     install missing Debian packages'
	@echo '  check    deps + build + unit, BPF load and kernel integration tests'
	@echo '  demo     deps + build + two processes talking through the fast path'
	@echo '  bench    loopback TCP vs vsock vs AF_UNIX table, docs/performance.md (QUICK=1)'
	@echo '  bench-render  docs/performance.md and .png again from the last bench, no root'
	@echo '  install  install vsockctl, vsockd, man pages, completion, unit (PREFIX, DESTDIR)'
	@echo '           and libvsock (header, libraries, vsock.pc; LIBDIR, INCLUDEDIR)'
	@echo '  fuzz     run every libFuzzer target (tests/fuzz) for FUZZ_TIME seconds (default 300)'
	@echo '  deps-graph  print the dependency graph between top-level dirs; fail on a wrong-way edge'
	@echo '  vmlinux  generate $(O)/vmlinux.h from $(VMLINUX_BTF)'
	@echo '  clean    remove $(O)'
