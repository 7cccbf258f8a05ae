// Package nokubeflow_test reads notebooks from a plain Jupyter pod on a
// cluster without Kubeflow's CRDs.
package nokubeflow_test

import (
	"context"
	"os"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeflow-kale/kale/internal/fakekubelet"
	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/podsource"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env))
}

func TestPlainKubernetesWithoutKubeflow(t *testing.T) {
	ns := testenv.Namespace(t, env, nil)
	ctx := context.Background()
	agent, err := fakekubelet.Start(fakekubelet.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	node := "node-" + ns
	if _, err := env.RegisterNode(ctx, node, agent.Port()); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "jupyter-0", Namespace: ns, Labels: map[string]string{"app": "jupyter"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "jupyter", Image: "quay.io/jupyter/scipy-notebook:2026-01-01",
			VolumeMounts: []corev1.VolumeMount{{Name: "home", MountPath: "/home/jovyan"}},
		}}, Volumes: []corev1.Volume{{Name: "home", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
	}
	if _, err := agent.RunPod(ctx, env.Client, node, pod); err != nil {
		t.Fatal(err)
	}
	user := "dev-" + ns
	u, err := env.AddUser(user)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Grant(ctx, ns, user, "kale-user", podsource.RequiredRBAC()...); err != nil {
		t.Fatal(err)
	}
	src, err := podsource.New(u.Config)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("POD:PATH works, with no PodDefault labels and no warnings", func(t *testing.T) {
		p, err := src.Resolve(ctx, podsource.Ref{Namespace: ns, Pod: "jupyter-0"})
		if err != nil {
			t.Fatal(err)
		}
		want := &podsource.Pod{Namespace: ns, Name: "jupyter-0", Container: "jupyter", Image: "quay.io/jupyter/scipy-notebook:2026-01-01"}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("Resolve\n got %+v\nwant %+v", p, want)
		}
		if _, err := agent.WriteFile(ns, "jupyter-0", "/home/jovyan/a.ipynb", []byte(`{"cells": []}`), 0o644); err != nil {
			t.Fatal(err)
		}
		data, err := src.ReadFile(ctx, p, "/home/jovyan/a.ipynb", 1024)
		if err != nil || string(data) != `{"cells": []}` {
			t.Errorf("ReadFile = %q, %v", data, err)
		}
	})
	t.Run("--notebook says the cluster has no Kubeflow Notebooks", func(t *testing.T) {
		_, err := src.Resolve(ctx, podsource.Ref{Namespace: ns, Notebook: "jupyter"})
		want := "this cluster has no Kubeflow Notebooks (resource notebooks.kubeflow.org/v1 is not served); name the pod instead: POD:PATH"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
}
