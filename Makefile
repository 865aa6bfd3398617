# gwd: build, run, test. Needs only Go (and make, a POSIX shell, grep).
#   make build   binaries of ./cmd/... into bin/
#   make run     bin/smppsim on 127.0.0.1:2776 in the background, bin/gwd -c gwd.toml in the foreground
#   make test    lint, then every test with the race detector
#   make lint    gofmt must list no file; go vet
#   make bench   every benchmark, with allocations
#   make fuzz    every fuzz target for FUZZTIME each (FUZZTIME=2m make fuzz)
#   make chaos   the chaos suite, quick mode (under 4 minutes; CHAOS_REPORT=file keeps its table)
#   make clean   remove bin/ and test artefacts

GO        ?= go
GOFMT     ?= $(shell $(GO) env GOROOT)/bin/gofmt
FUZZTIME  ?= 30s
# The race detector needs cgo, which Go turns off where no C compiler is
# installed: there the tests run without -race, and make test says so.
RACE      ?= $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race,)
TESTFLAGS ?= $(RACE) -count=1 -timeout 20m

.PHONY: build run test lint bench fuzz chaos clean

build:
	$(GO) build -o bin/ ./cmd/...

# smppsim is killed when gwd exits, however it exits (Ctrl-C included).
run: build
	@bin/smppsim -listen 127.0.0.1:2776 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null; wait $$sim 2>/dev/null' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	bin/gwd -c gwd.toml -demo

test: lint
	@[ -n "$(RACE)" ] || echo "make test: cgo is off (no C compiler?): running without the race detector"
	$(GO) test $(TESTFLAGS) ./...

lint:
	@out=$$($(GOFMT) -l .) || exit 1; \
	if [ -n "$$out" ]; then echo "gofmt -l lists files that are not gofmt-ed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# One go test per fuzz target (-fuzz takes exactly one), found by grep so
# new targets are picked up without editing this file.
fuzz:
	@targets=$$(grep -r --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git \
		-E '^func Fuzz[A-Za-z0-9_]*\(' . | \
		sed -E 's/^([^:]*):func (Fuzz[A-Za-z0-9_]*)\(.*/\1:\2/' | sort -u) || true; \
	if [ -z "$$targets" ]; then echo "no fuzz targets"; exit 0; fi; \
	for t in $$targets; do \
		file=$${t%%:*}; fn=$${t##*:}; dir=$$(dirname "$$file"); \
		echo "== $$dir $$fn ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) "$$dir" || exit 1; \
	done

# internal/chaos: real gwd and smppsim processes under faults (SIGKILL,
# SMSC faults, floods, a slow store, a full disk). The long mode is
# bench/chaos.sh.
chaos:
	CHAOS_MODE=quick $(GO) test -tags chaos -count=1 -timeout 10m -v ./internal/chaos

clean:
	rm -rf bin/
	rm -f *.test *.out *.prof *.pprof
