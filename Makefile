# ikelb — see README.md.  `make` builds everything, `make check` runs every
# test, `make demo` runs the lab demo, `make bench` the benchmarks.

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
CPPFLAGS := -Iinclude -Iuser -I$(B) -D_GNU_SOURCE -DIKELB_VERSION=\"$(VERSION)\"
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN)
LDLIBS   := -lbpf -lelf -lz -lcrypto -linih -lmnl -ljson-c -lsystemd -lm
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CMOCKA   := -lcmocka

# BPF programs: the product's (bpf/), the benchmarks' (bench/bpf/) and
# the tests' (tests/bpf/).  Each gets a skeleton build/NAME.skel.h.
BPF_SRCS := $(wildcard bpf/*.bpf.c bench/bpf/*.bpf.c tests/bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:.bpf.c=.bpf.o)
SKELS    := $(addprefix $(B)/,$(notdir $(BPF_SRCS:.bpf.c=.skel.h)))
BPF_HDRS := $(wildcard include/*.h bpf/*.h bench/bench_xdp.h)
HDRS     := $(BPF_HDRS) $(wildcard user/*.h tests/lib/*.h)

LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=$(B)/san/%.o)

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

.PHONY: all deps check test-build fuzz demo bench install clean vmlinux
.SECONDARY:

all: $(BPF_OBJS) $(SKELS) $(B)/ikelb-load test-build

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
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 $(WARN) -Iinclude -Ibpf -Ivmlinux

%.bpf.o: %.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

define skel_rule
$(B)/$(notdir $(1:.bpf.c=.skel.h)): $(1:.bpf.c=.bpf.o) | $(B)
	$$(BPFTOOL) gen skeleton $$< name $$(subst -,_,$(notdir $(1:.bpf.c=)))_bpf > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach src,$(BPF_SRCS),$(eval $(call skel_rule,$(src))))

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# ---- user space --------------------------------------------------------
$(B):
	mkdir -p $(B)

$(B)/obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/san/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -c $< -o $@

$(B)/libikelb.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/libikelb-san.a: $(SAN_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/ikelb-load: $(B)/obj/user/main.o $(B)/libikelb.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests -------------------------------------------------------------
test-build: $(TESTS) $(SAN_TESTS) $(TOOLS) $(BPF_OBJS)

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
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# libFuzzer targets: clang, with the library sources rebuilt for coverage.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -std=gnu11 $(WARN)
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZERS)

check:
	scripts/deps.sh
	$(MAKE) all fuzz
	tests/run.sh $(T)

# ---- demo, bench, install ----------------------------------------------
demo:
	scripts/deps.sh
	$(MAKE) all
	scripts/demo.sh

bench: all
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
	rm -rf $(B) $(BPF_OBJS)
