package inject

import (
	"os"
	"reflect"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(t *testing.T, c *Config)
	}{
		{name: "empty file gives the defaults", yaml: "", check: func(t *testing.T, c *Config) {
			if c.KFP.TokenAudience != "pipelines.kubeflow.org" || c.BinaryMountPath != "/opt/kale" || c.PathLink != "/usr/local/bin/kale" ||
				c.Selection.PodLabel != "notebook-name" || c.RunAsUser != 65532 || !*c.KFP.Inject {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "values override defaults", yaml: "image: example.com/kale:v1\nkfp:\n  endpoint: http://kfp:8888\n  tokenExpirationSeconds: 3600\nresources:\n  limits:\n    memory: 256Mi\n",
			check: func(t *testing.T, c *Config) {
				if c.Image != "example.com/kale:v1" || c.KFP.Endpoint != "http://kfp:8888" || c.KFP.TokenExpirationSeconds != 3600 {
					t.Errorf("config = %+v", c)
				}
				if q := c.Resources.Limits["memory"]; q.String() != "256Mi" {
					t.Errorf("memory limit = %s", q.String())
				}
				if q := c.Resources.Requests["cpu"]; q.String() != "10m" {
					t.Errorf("cpu request = %s, want the default 10m", q.String())
				}
			}},
		{name: "unknown key names the key and line", yaml: "image: x\nkfp:\n  endpiont: http://kfp\n", wantErr: "line 3: field endpiont not found"},
		{name: "bad quantity names the line", yaml: "resources:\n  requests:\n    cpu: lots\n", wantErr: `line 3: resource cpu: "lots" is not a quantity`},
		{name: "relative mount path", yaml: "binaryMountPath: opt/kale\n", wantErr: `binaryMountPath "opt/kale" must be an absolute path`},
		{name: "short token expiry", yaml: "kfp:\n  tokenExpirationSeconds: 60\n", wantErr: "below the 600"},
		{name: "request above limit", yaml: "resources:\n  requests:\n    memory: 1Gi\n", wantErr: "resources.requests.memory 1Gi exceeds the limit 128Mi"},
		{name: "not a map", yaml: "- a\n", wantErr: "config:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(strings.NewReader(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func FuzzLoadConfig(f *testing.F) {
	f.Add("image: x\nresources:\n  requests:\n    cpu: 1\n")
	f.Add("kfp: {inject: false}\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := LoadConfig(strings.NewReader(s))
		if err == nil && c.Validate() != nil {
			t.Fatal("LoadConfig returned a config that does not validate")
		}
	})
}

// TestDefaultConfigIsTheInstalledOne: with no --config, kale-webhook and
// `kubectl kale inject` use the configuration manifests/base installs,
// image tag included.
func TestDefaultConfigIsTheInstalledOne(t *testing.T) {
	b, err := os.ReadFile("../../manifests/base/configmap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := sigsyaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	installed, err := LoadConfig(strings.NewReader(cm.Data["config.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	if got := DefaultConfig(); !reflect.DeepEqual(got, installed) {
		t.Errorf("DefaultConfig differs from manifests/base's ConfigMap:\n got: %+v\nwant: %+v", got, installed)
	}
	if strings.HasSuffix(installed.Image, ":latest") {
		t.Errorf("the installed image %s is not pinned", installed.Image)
	}
}
