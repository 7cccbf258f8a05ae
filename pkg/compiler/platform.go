package compiler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// VolumeEnvName is the environment variable that carries a volume's mount
// path when the notebook asks for expose_as_env_var: KALE_VOLUME_ and the
// upper-cased volume name with every character other than [A-Z0-9] turned
// into _.
func VolumeEnvName(volume string) string {
	var b strings.Builder
	b.WriteString("KALE_VOLUME_")
	for _, r := range strings.ToUpper(volume) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// mounts are the PVC mounts and their environment variables, the same for
// every step.
type mounts struct {
	pvc []*kubernetesplatform.PvcMount
	env []envVar
}

type envVar struct{ name, value string }

// volumeMounts checks the notebook's volumes once: only type pvc can be
// mounted (warn for the rest), env names must not collide.
func (c *compilation) volumeMounts(vols []pipeline.Volume) mounts {
	var m mounts
	envOwner := map[string]string{}
	paths := map[string]string{}
	for _, v := range vols {
		tag := "volume " + v.Name
		if v.Type != "pvc" {
			c.warnOnce(-1, tag, "volume:"+v.Name, "volume %s: type %q is not mounted (kale mounts existing PVCs, type pvc, only); the steps run without it", v.Name, v.Type)
			continue
		}
		if errs := validation.IsDNS1123Subdomain(v.Name); len(errs) > 0 {
			c.errorf(-1, tag, "volume %s: not a valid PersistentVolumeClaim name: %s", v.Name, strings.Join(errs, "; "))
			continue
		}
		if !strings.HasPrefix(v.MountPath, "/") {
			c.errorf(-1, tag, "volume %s: mount point %q must be an absolute path", v.Name, v.MountPath)
			continue
		}
		if other, ok := paths[v.MountPath]; ok {
			c.errorf(-1, tag, "volume %s: mount point %s is already used by volume %s", v.Name, v.MountPath, other)
			continue
		}
		paths[v.MountPath] = v.Name
		if v.ReadOnly {
			c.warnOnce(-1, tag, "readonly:"+v.Name, "volume %s: the pinned KFP platform spec cannot mount a PVC read-only; it is mounted read-write", v.Name)
		}
		m.pvc = append(m.pvc, &kubernetesplatform.PvcMount{
			PvcReference: &kubernetesplatform.PvcMount_Constant{Constant: v.Name},
			MountPath:    v.MountPath,
		})
		if v.ExposeAsEnv {
			name := VolumeEnvName(v.Name)
			if other, ok := envOwner[name]; ok {
				c.errorf(-1, tag, "volumes %s and %s both expose their mount point as %s: rename one of them", other, v.Name, name)
				continue
			}
			envOwner[name] = v.Name
			m.env = append(m.env, envVar{name, v.MountPath})
		}
	}
	return m
}

// executorConfig returns the Kubernetes settings of one step's executor, or
// nil when the step uses none.
func (c *compilation) executorConfig(s *pipeline.Step, m mounts) *kubernetesplatform.KubernetesExecutorConfig {
	cfg := &kubernetesplatform.KubernetesExecutorConfig{}
	empty := true
	if len(s.Labels) > 0 || len(s.Annotations) > 0 {
		for _, k := range sortedMapKeys(s.Labels) {
			v := s.Labels[k]
			tag := fmt.Sprintf("label:%s:%s", k, v)
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				c.errorf(s.Cell, tag, "step %s: %s: %q is not a valid label key: %s", s.Name, tag, k, strings.Join(errs, "; "))
			}
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				c.errorf(s.Cell, tag, "step %s: %s: %q is not a valid label value: %s", s.Name, tag, v, strings.Join(errs, "; "))
			}
		}
		for _, k := range sortedMapKeys(s.Annotations) {
			tag := fmt.Sprintf("annotation:%s:%s", k, s.Annotations[k])
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				c.errorf(s.Cell, tag, "step %s: %s: %q is not a valid annotation key: %s", s.Name, tag, k, strings.Join(errs, "; "))
			}
		}
		cfg.PodMetadata = &kubernetesplatform.PodMetadata{Labels: copyMap(s.Labels), Annotations: copyMap(s.Annotations)}
		empty = false
	}
	if len(s.Secrets) > 0 {
		bySecret := map[string][]*kubernetesplatform.SecretAsEnv_SecretKeyToEnvMap{}
		envSeen := map[string]bool{}
		for _, sec := range s.Secrets {
			if envSeen[sec.Env] {
				c.errorf(s.Cell, "secret:"+sec.Secret, "step %s: secret:%s:%s:%s: environment variable %s is set twice", s.Name, sec.Secret, sec.Key, sec.Env, sec.Env)
				continue
			}
			envSeen[sec.Env] = true
			bySecret[sec.Secret] = append(bySecret[sec.Secret], &kubernetesplatform.SecretAsEnv_SecretKeyToEnvMap{SecretKey: sec.Key, EnvVar: sec.Env})
		}
		names := make([]string, 0, len(bySecret))
		for n := range bySecret {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			keys := bySecret[n]
			sort.Slice(keys, func(i, j int) bool { return keys[i].EnvVar < keys[j].EnvVar })
			cfg.SecretAsEnv = append(cfg.SecretAsEnv, &kubernetesplatform.SecretAsEnv{SecretName: n, KeyToEnv: keys})
		}
		empty = false
	}
	if len(m.pvc) > 0 {
		cfg.PvcMount = m.pvc
		empty = false
	}
	if empty {
		return nil
	}
	return cfg
}

func copyMap(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
