// Package version reports the build's version. The values are set at link
// time with -ldflags "-X github.com/kubeflow-kale/kale/pkg/version.version=v1.2.3".
package version

import "runtime/debug"

// Set by the linker; never written at run time.
var (
	version = "dev"
	commit  = ""
)

// Info describes the running binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"goVersion"`
}

// Get returns the build information.
func Get() Info {
	info := Info{Version: version, Commit: commit}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		if info.Commit == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Commit = s.Value
				}
			}
		}
	}
	return info
}

// String is the bare version.
func String() string { return version }
