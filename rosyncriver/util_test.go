package rosyncriver_test

import (
	"encoding/json"
	"net/http/httptest"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
