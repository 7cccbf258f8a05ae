# kale: see README.md. `make demo` runs the main job on the bundled example;
# `make test` runs every test (unit, compatibility, IR, local runs, and the
# end-to-end tests on a real kube-apiserver and etcd built from Go modules).

SHELL := bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The released tag: the image `make image` writes and the one manifests/base
# pins (kustomization images: and the ConfigMap; hack/image's tests check
# that they agree).
RELEASE := $(shell cat VERSION)
LDFLAGS := -X github.com/kubeflow-kale/kale/pkg/version.version=$(VERSION)
# kustomize (reached through cli-runtime) imports Go's plugin package unless
# this tag is set; plugin keeps 11 MB of dynamic symbol tables in the binary
# and makes the static link warn about dlopen.
TAGS := kustomize_disable_go_plugin_support
# The KFP modules are served only at pinned pseudo-versions that the checksum
# database does not know; go.sum holds their hashes.
export GONOSUMDB := github.com/kubeflow/pipelines
FUZZTIME ?= 10s

.PHONY: all build test unit lint vet fmt bench fuzz demo control-plane clean

all: build

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-kale ./cmd/kubectl-kale

# Installs kubectl-kale and its kubectl completion helper into GOBIN (or
# GOPATH/bin), else INSTALL_DIR; kubectl finds plugins on the PATH.
INSTALL_DIR ?= $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)
.PHONY: install
install: build
	@mkdir -p $(INSTALL_DIR)
	install -m 0755 $(BIN)/kubectl-kale $(INSTALL_DIR)/kubectl-kale
	install -m 0755 hack/completion/kubectl_complete-kale $(INSTALL_DIR)/kubectl_complete-kale
	@echo "installed kubectl-kale and kubectl_complete-kale in $(INSTALL_DIR)"
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) ;; *) echo "note: $(INSTALL_DIR) is not on your PATH; add it so that kubectl finds the plugin";; esac

# Builds kale, compiles the bundled example notebook into KFP IR and runs it
# on this machine (python3 standard library only), printing each step, the
# metrics and where the logs are.
DEMO_DIR ?= $(BIN)/demo
demo: build
	@mkdir -p $(DEMO_DIR)
	$(BIN)/kubectl-kale compile examples/demo.ipynb -o yaml --out-file $(DEMO_DIR)/demo.yaml
	rm -rf $(DEMO_DIR)/run
	$(BIN)/kubectl-kale run --local examples/demo.ipynb --workdir $(DEMO_DIR)/run

# Builds (once, cached by version outside git) kube-apiserver and etcd.
control-plane:
	@hack/control-plane.sh

test: lint control-plane
	KUBEBUILDER_ASSETS="$$(hack/control-plane.sh)" $(GO) test -count=1 ./...
	$(MAKE) fuzz FUZZTIME=20000x

unit:
	$(GO) test -short ./...

lint: vet
	@out="$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Runs every fuzz target briefly (FUZZTIME each). `make test` gives a count
# (20000x), not a duration: with a duration, go test's fuzz coordinator can
# fail the run with "context deadline exceeded" when a worker is mid-call at
# the deadline, although nothing crashed. Minimising new inputs is off for the
# same reason.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir="$$($(GO) list -f '{{.Dir}}' $$pkg)"; \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg; \
		done; \
	done

clean:
	rm -rf $(BIN)

# --- kale image, webhook e2e, kind ---
IMAGE ?= ghcr.io/kubeflow-kale/kale:$(RELEASE)
RELEASE_LDFLAGS := -X github.com/kubeflow-kale/kale/pkg/version.version=$(RELEASE) -s -w
STATIC_LDFLAGS := $(RELEASE_LDFLAGS) -linkmode external -extldflags "-static"

.PHONY: image webhook e2e-webhook e2e-kind loadgen

# Stripped (-s -w), as in the image: `make loadgen` measures what ships, and
# the symbol table alone is 2 MiB of the webhook's resident memory.
WEBHOOK_LDFLAGS := $(LDFLAGS) -s -w

webhook:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(WEBHOOK_LDFLAGS)' -o $(BIN)/kale-webhook ./cmd/webhook

# The kale image without a Docker engine: static binaries (kubectl-kale needs
# cgo for tree-sitter, linked statically so it runs in any notebook image),
# written as a Docker archive and an OCI image archive by hack/image.
image:
	CGO_ENABLED=1 $(GO) build -trimpath -tags netgo,osusergo,$(TAGS) -ldflags '$(STATIC_LDFLAGS)' -o $(BIN)/image/kubectl-kale ./cmd/kubectl-kale
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags '$(RELEASE_LDFLAGS)' -o $(BIN)/image/kale-webhook ./cmd/webhook
	$(GO) run ./hack/image -kubectl-kale $(BIN)/image/kubectl-kale -webhook $(BIN)/image/kale-webhook \
		-tag $(IMAGE) -o $(BIN)/kale-image.tar -oci $(BIN)/kale-image.oci.tar

# Webhook end-to-end tests on a real kube-apiserver + etcd (also part of `make test`).
e2e-webhook: control-plane
	KUBEBUILDER_ASSETS="$$(hack/control-plane.sh)" $(GO) test -count=1 -v ./e2e/webhook/

# HTTPS load on the webhook binary vs a do-nothing HTTPS handler (loopback).
loadgen: webhook
	$(GO) run ./hack/loadgen -webhook $(BIN)/kale-webhook -c 1,16,64 -d 10s

# The same scenario on a kind cluster with cert-manager; needs Docker, kind
# and network access (not available on the development machines).
e2e-kind: image
	IMAGE=$(IMAGE) $(GO) test -tags kind -count=1 -v -timeout 30m ./e2e/kind/
