package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

//go:embed static
var staticFS embed.FS

// staticFile is one embedded asset with its hash and gzipped form.
type staticFile struct {
	body, gz []byte
	hash     string
	ctype    string
}

// staticFiles serves the embedded assets with long-lived caching for
// versioned URLs (?v=hash), ETags, and gzip.
type staticFiles struct{ files map[string]*staticFile }

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{files: map[string]*staticFile{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		if body, err = minifyAsset(path.Ext(p), body); err != nil {
			return fmt.Errorf("minify %s: %w", p, err)
		}
		sum := sha256.Sum256(body)
		f := &staticFile{body: body, hash: base64.RawURLEncoding.EncodeToString(sum[:6]), ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		if strings.HasPrefix(f.ctype, "text/") || strings.Contains(f.ctype, "javascript") || strings.Contains(f.ctype, "svg") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			f.gz = buf.Bytes()
		}
		s.files[path.Base(p)] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load static: %w", err)
	}
	s.add("ring.wav", "audio/wav", ringTone())
	return s, nil
}

// add serves a generated asset, gzipped (a sound's silence packs well).
func (s *staticFiles) add(name, ctype string, body []byte) {
	sum := sha256.Sum256(body)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	s.files[name] = &staticFile{body: body, gz: buf.Bytes(), hash: base64.RawURLEncoding.EncodeToString(sum[:6]), ctype: ctype}
}

// ringTone makes the sound of a ringing chat, so the binary carries no
// audio file: a falling two-note chime twice, then a pause, as 8 kHz 8-bit
// mono WAV. The page loops it, so it rings every few seconds until someone
// accepts.
func ringTone() []byte {
	const rate = 8000
	var pcm []byte
	note := func(freq, secs float64) {
		n := int(secs * rate)
		for i := range n {
			t := float64(i) / rate
			env := math.Min(1, t*150) * math.Exp(-5*t) // quick attack, bell-like decay
			v := env * (0.75*math.Sin(2*math.Pi*freq*t) + 0.25*math.Sin(4*math.Pi*freq*t))
			pcm = append(pcm, byte(128+int(math.Round(100*v))))
		}
	}
	rest := func(secs float64) { pcm = append(pcm, bytes.Repeat([]byte{128}, int(secs*rate))...) }
	for range 2 {
		note(988, 0.16)
		note(784, 0.34)
		rest(0.12)
	}
	rest(2)
	le := binary.LittleEndian
	h := make([]byte, 0, 44+len(pcm))
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, uint32(36+len(pcm)))
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16)   // fmt chunk size
	h = le.AppendUint16(h, 1)    // PCM
	h = le.AppendUint16(h, 1)    // mono
	h = le.AppendUint32(h, rate) // samples per second
	h = le.AppendUint32(h, rate) // bytes per second
	h = le.AppendUint16(h, 1)    // block align
	h = le.AppendUint16(h, 8)    // bits per sample
	h = append(h, "data"...)
	h = le.AppendUint32(h, uint32(len(pcm)))
	return append(h, pcm...)
}

// url returns the versioned URL of an asset.
func (s *staticFiles) url(name string) string {
	if f, ok := s.files[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

func (s *staticFiles) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := s.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	etag := `"` + f.hash + `"`
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", f.ctype)
	body := f.body
	if f.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// minifier minifies the scripts and stylesheets once, when the assets are
// loaded at start-up, so the binary needs no build step and pages stay
// under UX.md's 100 KB budget.
var minifier = func() *minify.M {
	m := minify.New()
	m.AddFunc("text/css", css.Minify)
	m.AddFunc("application/javascript", js.Minify)
	return m
}()

// minifyAsset minifies a .js or .css asset and returns others unchanged.
func minifyAsset(ext string, body []byte) ([]byte, error) {
	switch ext {
	case ".js":
		return minifier.Bytes("application/javascript", body)
	case ".css":
		return minifier.Bytes("text/css", body)
	}
	return body, nil
}
