package notebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// Metadata is the notebook's metadata.kubeflow_notebook, typed. Keys that
// are absent or JSON null keep their zero value.
type Metadata struct {
	// Present is false when the notebook has no kubeflow_notebook metadata.
	Present             bool
	PipelineName        string
	ExperimentName      string
	PipelineDescription string
	// ExperimentUIName is experiment.name, the Kale UI's bookkeeping copy.
	ExperimentUIName string
	// BaseImage is base_image, or the v0.7 docker_image.
	BaseImage string
	// EnableCaching is nil when the notebook does not say (default true).
	EnableCaching *bool
	// StepsDefaults is the raw steps_defaults list; StepDefaults the parsed one.
	StepsDefaults []string
	StepDefaults  StepConfig
	Volumes       []VolumeConfig
	// SecurityContext is nil when the notebook does not set one.
	SecurityContext *SecurityContext
	OutputPath      string
	KFPHost         string
}

// VolumeConfig is one entry of the volumes metadata list.
type VolumeConfig struct {
	Name       string `json:"name"`
	MountPoint string `json:"mount_point"`
	// Type is pvc, pv, new_pvc or clone.
	Type           string `json:"type"`
	ExposeAsEnvVar bool   `json:"expose_as_env_var"`
	ReadOnly       bool   `json:"read_only"`
}

// SecurityContext is the security_context metadata.
type SecurityContext struct {
	Enabled      *bool  `json:"enabled"`
	RunAsUser    *int64 `json:"run_as_user"`
	RunAsGroup   *int64 `json:"run_as_group"`
	RunAsNonRoot *bool  `json:"run_as_non_root"`
}

// ignoredKeys are accepted metadata keys that have no effect here: v0.7
// machinery (Rok snapshots, Katib, the marshal volume) and settings Kale
// 2.x also ignores. A warning is given when one asks for something.
var ignoredKeys = map[string]string{
	"autosnapshot":       "Rok snapshots are not supported",
	"snapshot_volumes":   "Rok snapshots are not supported",
	"katib_run":          "Katib tuning runs are not supported",
	"katib_metadata":     "Katib tuning runs are not supported",
	"marshal_volume":     "data passes between steps as KFP artifacts, not on a marshal volume",
	"marshal_path":       "data passes between steps as KFP artifacts, not on a marshal volume",
	"abs_working_dir":    "it only placed the v0.7 marshal volume",
	"timeout":            "pipeline timeouts are not supported by KFP v2 pipelines",
	"storage_class_name": "kale creates no volumes",
	"volume_access_mode": "kale creates no volumes",
	"notebook_path":      "Kale sets it itself",
}

// parseMetadata reads metadata.kubeflow_notebook. Diagnostics carry no
// notebook name; the caller adds it.
func parseMetadata(raw json.RawMessage) (Metadata, diag.List) {
	var md Metadata
	var diags diag.List
	warnf := func(format string, args ...any) { diags.Warnf("", diag.NoCell, 0, format, args...) }
	errf := func(format string, args ...any) { diags.Errorf("", diag.NoCell, 0, format, args...) }
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return md, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		errf("metadata kubeflow_notebook must be a JSON object, found %s", jsonKind(raw))
		return md, diags
	}
	md.Present = true
	str := func(key string, dst *string) {
		if v, ok := present(fields, key); ok {
			if err := json.Unmarshal(v, dst); err != nil {
				errf("metadata %s must be a string, found %s", key, jsonKind(v))
			}
		}
	}
	str("pipeline_name", &md.PipelineName)
	str("experiment_name", &md.ExperimentName)
	str("pipeline_description", &md.PipelineDescription)
	str("base_image", &md.BaseImage)
	str("output_path", &md.OutputPath)
	str("kfp_host", &md.KFPHost)
	if v, ok := present(fields, "docker_image"); ok {
		var img string
		if err := json.Unmarshal(v, &img); err != nil {
			errf("metadata docker_image must be a string, found %s", jsonKind(v))
		} else if _, both := present(fields, "base_image"); both {
			if img != "" && img != md.BaseImage {
				warnf("metadata docker_image (Kale v0.7) is ignored: base_image is set too")
			}
		} else {
			md.BaseImage = img
			if img != "" {
				warnf("metadata docker_image is the Kale v0.7 name of base_image; using %q as base_image", img)
			} else {
				warnf("metadata docker_image is the Kale v0.7 name of base_image; accepted")
			}
		}
	}
	if v, ok := present(fields, "experiment"); ok {
		var exp struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(v, &exp); err != nil {
			errf("metadata experiment must be an object like {\"id\": \"\", \"name\": \"\"}, found %s", jsonKind(v))
		}
		md.ExperimentUIName = exp.Name
	}
	if v, ok := present(fields, "enable_caching"); ok {
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			errf("metadata enable_caching must be true or false, found %s", jsonKind(v))
		} else {
			md.EnableCaching = &b
		}
	}
	if v, ok := present(fields, "steps_defaults"); ok {
		if err := json.Unmarshal(v, &md.StepsDefaults); err != nil {
			errf("metadata steps_defaults must be a list of strings such as \"label:team:ml\", found %s", jsonKind(v))
		} else {
			var d diag.List
			md.StepDefaults, d = ParseStepDefaults(md.StepsDefaults)
			diags = append(diags, d...)
		}
	}
	if v, ok := present(fields, "volumes"); ok {
		var vols []json.RawMessage
		if err := json.Unmarshal(v, &vols); err != nil {
			errf("metadata volumes must be a list, found %s", jsonKind(v))
		}
		for i, rv := range vols {
			var vol VolumeConfig
			if err := json.Unmarshal(rv, &vol); err != nil {
				errf("metadata volumes[%d] must be an object with name, mount_point and type: %v", i, err)
				continue
			}
			switch {
			case vol.Type == "":
				errf("metadata volumes[%d] has no type (pvc, pv, new_pvc or clone)", i)
				continue
			case vol.Type != "pvc" && vol.Type != "pv" && vol.Type != "new_pvc" && vol.Type != "clone":
				errf("metadata volumes[%d]: type %q is not one of pvc, pv, new_pvc, clone", i, vol.Type)
				continue
			case vol.Type == "pvc" && (vol.Name == "" || vol.MountPoint == ""):
				errf("metadata volumes[%d]: a pvc volume needs name and mount_point", i)
				continue
			}
			md.Volumes = append(md.Volumes, vol)
		}
	}
	if v, ok := present(fields, "security_context"); ok {
		var sc SecurityContext
		if err := json.Unmarshal(v, &sc); err != nil {
			errf("metadata security_context must be an object {enabled, run_as_user, run_as_group, run_as_non_root}: %v", err)
		} else {
			md.SecurityContext = &sc
		}
	}
	known := map[string]bool{
		"pipeline_name": true, "experiment_name": true, "pipeline_description": true, "base_image": true,
		"output_path": true, "kfp_host": true, "docker_image": true, "experiment": true, "enable_caching": true,
		"steps_defaults": true, "volumes": true, "security_context": true,
	}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if known[key] {
			continue
		}
		why, isIgnored := ignoredKeys[key]
		v := fields[key]
		switch {
		case !isIgnored:
			warnf("metadata key %q is unknown to kale; ignored", key)
		case key == "katib_metadata":
			// The Kale UI always writes it; katib_run says whether it was used.
		case asksForSomething(v):
			warnf("metadata %s is ignored: %s", key, why)
		}
	}
	return md, diags
}

// present returns a key's value unless it is absent or JSON null, which
// Kale treats alike.
func present(fields map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	v, ok := fields[key]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil, false
	}
	return v, true
}

// asksForSomething reports whether an ignored setting holds a value that
// would have changed something (true, a non-empty string, list or object).
func asksForSomething(v json.RawMessage) bool {
	t := string(bytes.TrimSpace(v))
	switch t {
	case "", "null", "false", `""`, "[]", "{}", "0":
		return false
	}
	return true
}

// String is for debugging.
func (v VolumeConfig) String() string {
	return fmt.Sprintf("%s %s at %s", v.Type, v.Name, v.MountPoint)
}
