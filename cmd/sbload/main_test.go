package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	bad := [][]string{
		{"-token", ""},
		{"-token", "x", "-url", "ftp://example.com"},
		{"-token", "x", "-url", "127.0.0.1:8080"},
		{"-token", "x", "-mode", "delete"},
		{"-token", "x", "-clients", "0"},
		{"-token", "x", "-clients", "10000"},
		{"-token", "x", "-duration", "0s"},
		{"-token", "x", "-duration", "2h"},
		{"-token", "x", "-n", "-1"},
		{"-token", "x", "-n", "100000000"},
	}
	for _, args := range bad {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	o, err := parseFlags([]string{"-token", "x", "-url", "http://127.0.0.1:1/", "-n", "10", "-mode", "list"})
	if err != nil || o.clients != 4 || o.n != 10 || o.mode != "list" {
		t.Errorf("parseFlags: %+v, %v", o, err)
	}
}

func TestRunCreate(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method != "POST" || r.URL.Path != "/api/v1/tickets" || r.Header.Get("Authorization") != "Bearer tok" ||
			r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || body["subject"] == nil {
			http.Error(w, "bad request", 400)
			return
		}
		n.Add(1)
		w.WriteHeader(201)
	}))
	defer srv.Close()
	o, err := parseFlags([]string{"-url", srv.URL, "-token", "tok", "-n", "57", "-clients", "3"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok != 57 || res.failed != 0 || n.Load() != 57 || len(res.latencies) != 57 {
		t.Errorf("ok %d failed %d served %d", res.ok, res.failed, n.Load())
	}
	var out strings.Builder
	res.print(&out, o)
	for _, want := range []string{"57 ok", "requests/s", "p50=", "p95=", "p99=", "201×57"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunListForDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "GET" || r.URL.RawQuery != "status=open" {
			http.Error(w, "bad", 400)
			return
		}
		_, _ = io.WriteString(w, `{"items":[]}`)
	}))
	defer srv.Close()
	o, _ := parseFlags([]string{"-url", srv.URL, "-token", "tok", "-mode", "list", "-query", "status=open", "-duration", "200ms"})
	start := time.Now()
	res, _ := run(context.Background(), o)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a 200ms run took %s", d)
	}
	if res.ok == 0 || res.failed != 0 {
		t.Errorf("ok %d failed %d", res.ok, res.failed)
	}
}

func TestRunStopsWhenServerIsGone(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	o, _ := parseFlags([]string{"-url", url, "-token", "tok", "-duration", "5s", "-clients", "2"})
	start := time.Now()
	res, _ := run(context.Background(), o)
	if time.Since(start) > 3*time.Second || res.ok != 0 || res.failed != 2*maxConsecutiveErrors {
		t.Errorf("ok %d failed %d after %s", res.ok, res.failed, time.Since(start))
	}
}
