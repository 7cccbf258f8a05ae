package webhook

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkHTTPS sends the notebook pod's AdmissionReview to the handler
// over HTTPS on loopback at concurrency 1, 16 and 64, next to a do-nothing
// HTTPS handler (the floor), and reports p50 and p99 latency. For the
// webhook binary itself and its memory, use hack/loadgen (make loadgen).
func BenchmarkHTTPS(b *testing.B) {
	body, err := os.ReadFile("testdata/admission/notebook-pod.json")
	if err != nil {
		b.Fatal(err)
	}
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"1","allowed":true}}`))
	})
	for _, srv := range []struct {
		name string
		h    http.Handler
	}{{"kale", NewHandler(testConfig(), NewMetrics(), nil).Webhook()}, {"floor", floor}} {
		for _, c := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/c=%d", srv.name, c), func(b *testing.B) {
				ts := httptest.NewUnstartedServer(srv.h)
				ts.Config.ErrorLog = log.New(io.Discard, "", 0) // closing idle connections is not an error here
				ts.StartTLS()
				defer ts.Close()
				client := ts.Client()
				client.Transport.(*http.Transport).MaxIdleConnsPerHost = c
				var mu sync.Mutex
				var lat []time.Duration
				b.SetParallelism(max(1, c/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					local := make([]time.Duration, 0, 1024)
					for pb.Next() {
						t0 := time.Now()
						resp, err := client.Post(ts.URL+Path, "application/json", bytes.NewReader(body))
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						local = append(local, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, local...)
					mu.Unlock()
				})
				b.StopTimer()
				if len(lat) > 0 {
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				}
			})
		}
	}
}
