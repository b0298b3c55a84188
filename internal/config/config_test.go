package config

import (
	"flag"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c := FromEnv(env(nil))
	if err := c.Finalize(); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "data" || c.HTTPAddr != DefaultHTTPAddr || c.SMTPAddr != "" || c.DatabaseURL != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("base url %q", c.BaseURL)
	}
	if c.Postgres() {
		t.Fatal("default must be SQLite")
	}
}

func TestFlagOverridesEnv(t *testing.T) {
	c := FromEnv(env(map[string]string{
		EnvHTTPAddr:    "127.0.0.1:9000",
		EnvDatabaseURL: "postgres://u:secret@db:5432/desk",
		EnvSMTPAddr:    "127.0.0.1:2525",
	}))
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.ServeFlags(fs)
	if err := fs.Parse([]string{"--http-addr", "0.0.0.0:7000"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Finalize(); err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "0.0.0.0:7000" || c.BaseURL != "http://localhost:7000" {
		t.Fatalf("flag did not override: %+v", c)
	}
	if !c.Postgres() || c.SMTPAddr != "127.0.0.1:2525" {
		t.Fatalf("env lost: %+v", c)
	}
	if l := c.DatabaseLabel(); strings.Contains(l, "secret") {
		t.Fatalf("label leaks password: %s", l)
	}
}

func TestInvalid(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad db", map[string]string{EnvDatabaseURL: "mysql://x"}, EnvDatabaseURL},
		{"bad http", map[string]string{EnvHTTPAddr: "8080"}, EnvHTTPAddr},
		{"bad smtp", map[string]string{EnvSMTPAddr: "localhost:99999"}, EnvSMTPAddr},
		{"bad base", map[string]string{EnvBaseURL: "ftp://x"}, EnvBaseURL},
		{"bad level", map[string]string{EnvLogLevel: "loud"}, EnvLogLevel},
		{"bad format", map[string]string{EnvLogFormat: "xml"}, EnvLogFormat},
		{"empty sqlite", map[string]string{EnvDatabaseURL: "sqlite:"}, EnvDatabaseURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := FromEnv(env(tc.env))
			err := c.Finalize()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestBaseURLFor(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":8080":          "http://localhost:8080",
		"[::]:80":        "http://localhost:80",
		"[::1]:8080":     "http://[::1]:8080",
		"desk.local:80":  "http://desk.local:80",
	} {
		if got := BaseURLFor(in); got != want {
			t.Errorf("BaseURLFor(%q) = %q, want %q", in, got, want)
		}
	}
}
