package kfp

import "testing"

func TestClusterLocal(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"kfp.localhost", true},
		{"127.0.0.1", true},
		{"127.9.9.9", true},
		{"::1", true},
		{"ml-pipeline", true},
		{"ml-pipeline.kubeflow", true},
		{"ml-pipeline.kubeflow.svc", true},
		{"ml-pipeline.kubeflow.svc.cluster.local", true},
		{"ml-pipeline.kubeflow.svc.cluster.local.", true},
		{"kfp.example.com", false},
		{"svc.example.com", false},
		{"ml-pipeline.kubeflow.svc.evil.com", false},
		{"10.0.0.5", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := clusterLocal(tt.host); got != tt.want {
			t.Errorf("clusterLocal(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
