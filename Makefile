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

CFLAGS		?= -O2 -g
WARNINGS	:= -Wall -Wextra -Werror
ALL_CPPFLAGS	:= -D_GNU_SOURCE -Iinclude -Iloader -I$(O) \
		   -DVS_PIN_ROOT='"$(PIN_ROOT)"' $(CPPFLAGS)
ALL_CFLAGS	:= $(WARNINGS) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS	:= $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
CMOCKA_LIBS	:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__bpf__ \
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
CLI_SRCS	:= $(wildcard cli/*.c)
CLI_OBJS	:= $(patsubst %.c,$(O)/%.o,$(CLI_SRCS))
CLI_LIB_OBJS	:= $(filter-out $(O)/cli/main.o,$(CLI_OBJS))
USER_HDRS	:= $(wildcard include/vsock/*.h loader/*.h cli/*.h)

BENCH_SRCS	:= $(wildcard bench/*.c)
BENCH_BINS	:= $(patsubst %.c,$(O)/%,$(BENCH_SRCS))
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst %.c,$(O)/%,$(UNIT_SRCS))
KTEST_SRCS	:= $(wildcard tests/bpf/*.c tests/integration/*.c)
KTEST_BINS	:= $(patsubst %.c,$(O)/%,$(KTEST_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all check demo deps bench install uninstall clean vmlinux help tests

all: $(O)/vsockctl

$(O) $(O)/bpf $(O)/loader $(O)/cli $(O)/bench $(O)/tests/unit $(O)/tests/bpf $(O)/tests/integration:
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

$(O)/cli/%.o: cli/%.c $(USER_HDRS) | $(O)/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Icli $(ALL_CFLAGS) -c $< -o $@

$(O)/vsockctl: $(CLI_OBJS) $(LIBLOADER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBBPF_LIBS)

$(O)/tests/unit/%: tests/unit/%.c $(CLI_LIB_OBJS) $(LIBLOADER) $(USER_HDRS) | $(O)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -Icli $(ALL_CFLAGS) -o $@ $< $(CLI_LIB_OBJS) \
		$(LIBLOADER) $(CMOCKA_LIBS) $(LIBBPF_LIBS)

KTEST_DEPS	:= $(LIBLOADER) $(SKELS) $(USER_HDRS) tests/integration/testlib.h
KTEST_BUILD	= $(CC) $(ALL_CPPFLAGS) -Itests/integration $(ALL_CFLAGS) -o $@ $< \
		  $(LIBLOADER) $(LIBBPF_LIBS) -lpthread

$(O)/tests/bpf/%: tests/bpf/%.c $(KTEST_DEPS) | $(O)/tests/bpf
	$(call msg,CC,$@)
	$(Q)$(KTEST_BUILD)

$(O)/tests/integration/%: tests/integration/%.c $(KTEST_DEPS) | $(O)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(KTEST_BUILD)

$(O)/bench/%: bench/%.c $(wildcard bench/*.h) | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Ibench $(ALL_CFLAGS) -o $@ $< -lpthread -lm

tests: $(O)/vsockctl $(UNIT_BINS) $(KTEST_BINS)

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

# Side-by-side benchmark: loopback TCP, vsock, AF_UNIX (QUICK=1: about a minute).
bench:
	$(Q)$(MAKE) --no-print-directory deps EXTRA_PACKAGES="gnuplot-nox sockperf"
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)O=$(O) QUICK=$(QUICK) bench/run.sh

install: all
	install -m 0755 -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(O)/vsockctl $(DESTDIR)$(SBINDIR)/vsockctl
	install -m 0644 docs/vsockctl.8 $(DESTDIR)$(MANDIR)/man8/vsockctl.8
	install -m 0644 cli/vsockctl.bash $(DESTDIR)$(BASHCOMPDIR)/vsockctl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vsockctl $(DESTDIR)$(MANDIR)/man8/vsockctl.8 \
	      $(DESTDIR)$(BASHCOMPDIR)/vsockctl

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

help:
	@echo 'make [O=dir] [V=1] TARGET'
	@echo '  all      build vsockctl and the BPF objects (default)'
	@echo '  deps     install missing Debian packages'
	@echo '  check    deps + build + unit, BPF load and kernel integration tests'
	@echo '  demo     deps + build + two processes talking through the fast path'
	@echo '  bench    loopback TCP vs vsock vs AF_UNIX table, docs/performance.md (QUICK=1)'
	@echo '  install  install vsockctl, its man page and completion (PREFIX, DESTDIR)'
	@echo '  vmlinux  generate $(O)/vmlinux.h from $(VMLINUX_BTF)'
	@echo '  clean    remove $(O)'
