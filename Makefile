# ikelb — see README.md.  `make` builds the product (build/ikelb-load and the
# XDP objects it and the lab use), `make check` builds and runs every test,
# `make demo` runs the lab demo, `make bench` the benchmarks.  Every output
# goes under build/; compiler dependency files (.d) keep rebuilds exact.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    := $(PREFIX)/sbin
MANDIR     := $(PREFIX)/share/man
UNITDIR    ?= /lib/systemd/system
SYSCONFDIR ?= /etc

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
B        := build

WARN     := -Wall -Wextra -Werror
DEPFLAGS  = -MMD -MP
CPPFLAGS := -Iinclude -Iuser -I$(B)/skel -D_GNU_SOURCE -DIKELB_VERSION=\"$(VERSION)\"
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN)
LDLIBS   := -lbpf -lelf -lz -lcrypto -lmnl -ljson-c -lsystemd -lm -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CMOCKA   := -lcmocka

# ---- what there is -----------------------------------------------------
# BPF programs: the product's (bpf/), the benchmarks' (bench/bpf/) and the
# tests' (tests/bpf/); every object goes to build/bpf/NAME.bpf.o and its
# skeleton to build/skel/NAME.skel.h, whatever folder the source is in.
vpath %.bpf.c bpf bench/bpf tests/bpf
BPF_SRCS  := $(wildcard bpf/*.bpf.c bench/bpf/*.bpf.c tests/bpf/*.bpf.c)
BPF_NAMES := $(notdir $(BPF_SRCS:.bpf.c=))
BPF_OBJS  := $(BPF_NAMES:%=$(B)/bpf/%.bpf.o)
SKELS     := $(BPF_NAMES:%=$(B)/skel/%.skel.h)
PROD_BPF  := $(B)/bpf/ikelb.bpf.o $(B)/bpf/xdp_pass.bpf.o

USER_SRCS := $(shell find user -name '*.c' | sort)
MAIN_SRC  := $(filter %/main.c,$(USER_SRCS))
LIB_SRCS  := $(filter-out $(MAIN_SRC),$(USER_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/obj/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=$(B)/san/%.o)
FUZ_OBJS  := $(LIB_SRCS:%.c=$(B)/fz/%.o)

TLIB_SRCS := $(wildcard tests/lib/*.c)
TLIB_OBJS := $(TLIB_SRCS:%.c=$(B)/obj/%.o)
TLIB_SAN  := $(TLIB_SRCS:%.c=$(B)/san/%.o)

TEST_SRCS := $(wildcard tests/unit/test_*.c tests/bpf/test_*.c)
TESTS     := $(TEST_SRCS:%.c=$(B)/%)
SAN_TESTS := $(TEST_SRCS:%.c=$(B)/san/%)

TOOL_SRCS := $(wildcard tests/tools/*.c bench/*.c)
TOOLS     := $(TOOL_SRCS:%.c=$(B)/%)

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)

.PHONY: all deps lab tests check fuzz demo bench install clean vmlinux
.SECONDARY:
.DELETE_ON_ERROR:

# The product needs no test package (cmocka, clang's fuzzer runtime, ...).
all: $(B)/ikelb-load $(PROD_BPF)

deps:
	scripts/deps.sh

# ---- BPF ---------------------------------------------------------------
# vmlinux/vmlinux.h (committed) declares the kernel types the programs use
# (struct xdp_md, the Ethernet/IP/UDP headers, map and action constants),
# so the build host needs neither kernel BTF nor kernel headers for the BPF
# target.  Those types are UAPI and laid out alike on every 64-bit
# architecture.  `-target bpf` builds for the build host's byte order; the
# programs refuse to build big-endian (bpf/ikelb.bpf.c, docs/xdp.md).  No
# __TARGET_ARCH_* is defined: it only matters to bpf_tracing.h (kprobe
# register access), which no program here uses.
# BPF_NO_PRESERVE_ACCESS_INDEX: vmlinux.h would otherwise mark every type
# for CO-RE relocation; these layouts never move, and a CO-RE relocation
# makes libbpf read the kernel's whole BTF (/sys/kernel/btf/vmlinux, about
# 5 MB parsed) at every load: the daemon's peak memory doubled at start.
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 $(WARN) -Iinclude -Ibpf -Ivmlinux \
	      -DBPF_NO_PRESERVE_ACCESS_INDEX

$(B)/bpf/%.bpf.o: %.bpf.c vmlinux/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/skel/%.skel.h: $(B)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# ---- user space --------------------------------------------------------
# Skeletons are order-only: a first build must have them before any C file
# that includes one; afterwards the .d files name the real dependencies.
$(B)/obj/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/san/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(DEPFLAGS) -c $< -o $@

$(B)/libikelb.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/libikelb-san.a: $(SAN_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/ikelb-load: $(MAIN_SRC:%.c=$(B)/obj/%.o) $(B)/libikelb.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests -------------------------------------------------------------
# lab: what scripts/lab.sh (the demo's namespaces) runs besides the product:
# the test tools it calls (tx_csum_off on every veth, ike_gen, ...)
lab: all $(filter $(B)/tests/tools/%,$(TOOLS))

tests: $(TESTS) $(SAN_TESTS) $(TOOLS) $(BPF_OBJS) $(FUZZERS) all

$(B)/tests/%: $(B)/obj/tests/%.o $(TLIB_OBJS) $(B)/libikelb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(CMOCKA) $(LDLIBS)

$(B)/san/tests/%: $(B)/san/tests/%.o $(TLIB_SAN) $(B)/libikelb-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CMOCKA) $(LDLIBS)

$(B)/tests/tools/%: $(B)/obj/tests/tools/%.o $(TLIB_OBJS) $(B)/libikelb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(TLIB_OBJS) $(B)/libikelb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer targets: the library built once more with clang's coverage.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined $(CPPFLAGS) -std=gnu11 $(WARN)
$(B)/fz/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/libikelb-fuzz.a: $(FUZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/fuzz/%: $(B)/fz/tests/fuzz/%.o $(B)/libikelb-fuzz.a
	@mkdir -p $(dir $@)
	$(CLANG) -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz: $(FUZZERS)

check:
	scripts/deps.sh
	$(MAKE) tests
	tests/run.sh $(T)

-include $(shell find $(B) -path $(B)/bench-cache -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- demo, bench, install ----------------------------------------------
demo:
	scripts/deps.sh
	$(MAKE) all tests
	scripts/demo.sh

bench: tests
	bench/run.sh

install: $(B)/ikelb-load
	install -D -m 0755 $(B)/ikelb-load $(DESTDIR)$(SBINDIR)/ikelb-load
	install -d $(DESTDIR)$(UNITDIR)
	for u in ikelb.service ikelb@.service; do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g' scripts/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -D -m 0644 scripts/ikelb-load.8 $(DESTDIR)$(MANDIR)/man8/ikelb-load.8
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/ikelb
	install -D -m 0644 scripts/ikelb.conf.example $(DESTDIR)$(SYSCONFDIR)/ikelb/ikelb.conf.example

clean:
	rm -rf $(B)
