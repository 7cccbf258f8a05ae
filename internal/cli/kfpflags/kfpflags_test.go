package kfpflags

import (
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// TestArgsRoundTrip: what Args and NamespaceArgs render, the flags
// AddFlags registers read back unchanged (run execs `kale submit` with
// them in a notebook pod).
func TestArgsRoundTrip(t *testing.T) {
	for _, want := range []Submission{
		{Experiment: "nightly", RunName: "r1"},
		{Experiment: "with space", RunName: "--looks-like-a-flag", Upload: true, Watch: true},
		{Experiment: "", RunName: "", Watch: true},
	} {
		var got Submission
		var kfp KFP
		fs := pflag.NewFlagSet("submit", pflag.ContinueOnError)
		got.AddExperimentFlag(fs, "Default")
		got.AddFlags(fs)
		kfp.AddFlags(fs)
		src := KFP{Namespace: "team-a"}
		if err := fs.Parse(append(want.Args(), src.NamespaceArgs()...)); err != nil {
			t.Fatalf("%+v: %v", want, err)
		}
		if got != want || kfp.Namespace != "team-a" {
			t.Errorf("read back %+v (namespace %q), want %+v (team-a)", got, kfp.Namespace, want)
		}
	}
	if args := (&KFP{}).NamespaceArgs(); args != nil {
		t.Errorf("no --kfp-namespace given: %q", args)
	}
}

func TestResolveNamespaceOrder(t *testing.T) {
	ns := "from-n"
	cf := genericclioptions.NewConfigFlags(false)
	cf.Namespace = &ns
	env := func(k string) string { return map[string]string{"KALE_NAMESPACE": "from-env"}[k] }
	for _, tc := range []struct {
		name string
		f    KFP
		cf   *genericclioptions.ConfigFlags
		want string
	}{
		{"--kfp-namespace first", KFP{Namespace: "flag"}, cf, "flag"},
		{"then -n", KFP{}, cf, "from-n"},
		{"then the webhook's KALE_NAMESPACE", KFP{}, nil, "from-env"},
	} {
		got, err := tc.f.ResolveNamespace(tc.cf, env)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
