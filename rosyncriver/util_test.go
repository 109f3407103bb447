package rosyncriver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// httpServer serves h on loopback for the test and returns its URL.
func httpServer(t interface{ Cleanup(func()) }, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
