// Package deliver puts a compiled pipeline on Kubeflow Pipelines for the
// commands (run, submit, runs, Kale's legacy command line): it types the
// run parameters against the pipeline (RuntimeParameters), finds or creates
// the experiment, uploads and creates the run (Submit), reports it, and
// follows it until it ends (Follow), turning the final state into the exit
// status (RunResult).
package deliver
