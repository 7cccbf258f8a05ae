// Package compiler turns the pipeline model (pkg/pipeline) into Kubeflow
// Pipelines v2 IR: a PipelineSpec and, when a step uses a Kubernetes option
// (pod labels or annotations, secrets, PVC mounts), a PlatformSpec, built with
// KFP's own protobuf types. Every step becomes one container component whose
// command is the step runtime (pkg/stepruntime). Result.YAML and Result.JSON
// write the documents the way the KFP SDK lays them out, byte-identical from
// run to run; Load reads them back with strict protojson, and Check verifies
// that a spec hangs together (references resolve, inputs are declared and
// produced).
package compiler
