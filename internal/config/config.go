// Package config is Switchboard's one typed configuration: it is read from
// SWITCHBOARD_* environment variables, each of which is also a flag of
// `serve` (a flag overrides the variable), validated once and passed down.
// No other package reads the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Environment variable names. They are part of Switchboard's stable external
// interface (see DESIGN.md).
const (
	EnvDataDir     = "SWITCHBOARD_DATA_DIR"
	EnvDatabaseURL = "SWITCHBOARD_DATABASE_URL"
	EnvHTTPAddr    = "SWITCHBOARD_HTTP_ADDR"
	EnvSMTPAddr    = "SWITCHBOARD_SMTP_ADDR"
	EnvBaseURL     = "SWITCHBOARD_BASE_URL"
	EnvLogLevel    = "SWITCHBOARD_LOG_LEVEL"
	EnvLogFormat   = "SWITCHBOARD_LOG_FORMAT"
)

// Defaults.
const (
	DefaultDataDir  = "./data"
	DefaultHTTPAddr = "127.0.0.1:8080"
)

// Config is the whole configuration of one Switchboard process.
type Config struct {
	// DataDir holds the SQLite file and attachments.
	DataDir string
	// DatabaseURL is empty for SQLite in DataDir, "sqlite:PATH" for another
	// SQLite file, or postgres:// / postgresql:// for PostgreSQL.
	DatabaseURL string
	// HTTPAddr is the HTTP listen address (host:port).
	HTTPAddr string
	// SMTPAddr is the inbound SMTP listen address; empty means off.
	SMTPAddr string
	// BaseURL is the public URL used in emails and links; derived from
	// HTTPAddr when empty.
	BaseURL string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
}

// FromEnv builds a Config from the environment through getenv (os.Getenv in
// main), with defaults for what is unset. It does not validate; call
// Finalize after flags have been applied.
func FromEnv(getenv func(string) string) Config {
	c := Config{
		DataDir:     getenv(EnvDataDir),
		DatabaseURL: getenv(EnvDatabaseURL),
		HTTPAddr:    getenv(EnvHTTPAddr),
		SMTPAddr:    getenv(EnvSMTPAddr),
		BaseURL:     getenv(EnvBaseURL),
		LogLevel:    getenv(EnvLogLevel),
		LogFormat:   getenv(EnvLogFormat),
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
	}
	return c
}

// DatabaseFlags registers the flags that choose the database (used by every
// command that opens it) on fs, defaulting to c's current values.
func (c *Config) DatabaseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory: SQLite file, attachments (`"+EnvDataDir+"`)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "database URL; empty for SQLite in the data dir, postgres://... for PostgreSQL (`"+EnvDatabaseURL+"`)")
}

// ServeFlags registers every configuration flag of `serve` on fs,
// defaulting to c's current values (so a flag overrides the environment).
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DatabaseFlags(fs)
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP listen address (`"+EnvHTTPAddr+"`)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "inbound SMTP listen address, empty for off (`"+EnvSMTPAddr+"`)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL used in emails and links; default from the HTTP address (`"+EnvBaseURL+"`)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (`"+EnvLogLevel+"`)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (`"+EnvLogFormat+"`)")
}

// Finalize validates c and fills derived values (BaseURL). The error names
// the offending variable and says what is expected.
func (c *Config) Finalize() error {
	var errs []error
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", EnvDataDir))
	} else {
		c.DataDir = filepath.Clean(c.DataDir)
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvDatabaseURL, err))
	}
	if err := checkAddr(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvHTTPAddr, err))
	}
	if c.SMTPAddr != "" {
		if err := checkAddr(c.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvSMTPAddr, err))
		}
	}
	if c.BaseURL == "" && checkAddr(c.HTTPAddr) == nil {
		c.BaseURL = BaseURLFor(c.HTTPAddr)
	} else if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http:// or https:// URL", EnvBaseURL, c.BaseURL))
		} else {
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		}
	}
	if _, err := c.Level(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvLogLevel, err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("%s: %q is neither text nor json", EnvLogFormat, c.LogFormat))
	}
	return errors.Join(errs...)
}

// Level returns the slog level named by LogLevel.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("%q is not one of debug, info, warn, error", c.LogLevel)
	}
	return l, nil
}

// Postgres reports whether DatabaseURL selects PostgreSQL.
func (c Config) Postgres() bool { return isPostgres(c.DatabaseURL) }

// BaseURLFor derives a public URL from an HTTP listen address: an
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") becomes localhost.
func BaseURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func checkDatabaseURL(u string) error {
	switch {
	case u == "":
		return nil
	case strings.HasPrefix(u, "sqlite:"):
		if strings.TrimPrefix(u, "sqlite:") == "" {
			return errors.New(`"sqlite:" needs a file path, e.g. sqlite:/var/lib/switchboard/desk.db`)
		}
		return nil
	case isPostgres(u):
		p, err := url.Parse(u)
		if err != nil {
			return errors.New("not a valid postgres:// URL")
		}
		if p.Host == "" && p.Query().Get("host") == "" {
			return errors.New("postgres:// URL has no host")
		}
		return nil
	default:
		return errors.New("must be empty (SQLite in the data dir), sqlite:PATH, or a postgres:// URL")
	}
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if host != "" && strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q has an invalid host", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has an invalid port", addr)
	}
	return nil
}

// DatabaseLabel describes the database for logs without any password.
func (c Config) DatabaseLabel() string {
	if c.DatabaseURL == "" {
		return "sqlite:" + filepath.Join(c.DataDir, "switchboard.db")
	}
	if !isPostgres(c.DatabaseURL) {
		return c.DatabaseURL
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}
