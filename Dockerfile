# The kale image for hosts with Docker (`make image` writes the same image
# without a Docker engine). kubectl-kale needs cgo (tree-sitter) and is
# linked statically so the init container can copy it into any notebook
# image; kale-webhook is pure Go.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV GONOSUMDB=github.com/kubeflow/pipelines
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The release tag is the VERSION file (as for `make image` and manifests/base).
# kustomize_disable_go_plugin_support: see TAGS in the Makefile.
RUN VERSION="$(cat VERSION)" && CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo,kustomize_disable_go_plugin_support \
      -ldflags "-X github.com/kubeflow-kale/kale/pkg/version.version=${VERSION} -s -w -linkmode external -extldflags -static" \
      -o /out/kale/bin/kubectl-kale ./cmd/kubectl-kale \
 && CGO_ENABLED=0 go build -trimpath -tags kustomize_disable_go_plugin_support -ldflags "-X github.com/kubeflow-kale/kale/pkg/version.version=${VERSION} -s -w" \
      -o /out/kale/bin/kale-webhook ./cmd/webhook \
 && ln -s kubectl-kale /out/kale/bin/kale \
 && mkdir -p /out/etc /out/tmp && chmod 1777 /out/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' > /out/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' > /out/etc/group

FROM scratch
COPY --from=build /out/ /
ENV PATH=/kale/bin:/usr/local/bin:/usr/bin:/bin HOME=/tmp
USER 65532:65532
ENTRYPOINT ["/kale/bin/kale-webhook"]
