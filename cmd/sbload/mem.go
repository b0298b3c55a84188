package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memSampler follows the server's resident memory and CPU time: from
// /proc/PID when given the server's process id (same machine), else from
// its /metrics (process_resident_memory_bytes, process_cpu_seconds_total).
type memSampler struct {
	pid     int
	metrics string
	client  *http.Client
	done    chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	peak     uint64
	marks    []memMark
	cores    float64
	hwm      uint64 // VmHWM: the kernel's own peak (with -pid)
	source   string
	failures int
}

type memMark struct {
	name       string
	rss        uint64
	anon, file uint64 // RssAnon and RssFile (with -pid): the heap and stacks, and mapped files
}

// memStats is what the sampler saw.
type memStats struct {
	source   string
	peak     uint64
	hwm      uint64
	marks    []memMark
	cores    float64
	failures int
}

// sampleEvery is how often memory is read (the peak is the highest read).
const sampleEvery = 250 * time.Millisecond

func newMemSampler(ctx context.Context, base *url.URL, pid int) *memSampler {
	m := &memSampler{pid: pid, metrics: base.JoinPath("/metrics").String(), done: make(chan struct{}),
		client: &http.Client{Timeout: 5 * time.Second}, source: "/metrics"}
	if pid > 0 {
		m.source = fmt.Sprintf("/proc/%d", pid)
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		every := sampleEvery
		if pid <= 0 {
			every = 2 * time.Second // a scrape costs the server some work
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-ctx.Done():
				return
			case <-m.done:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// read returns the server's resident bytes and CPU seconds now.
func (m *memSampler) read() (rss uint64, cpu float64, err error) {
	if m.pid > 0 {
		return readProc(m.pid)
	}
	resp, err := m.client.Get(m.metrics)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 8<<20))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, perr := strconv.ParseFloat(strings.TrimSpace(val), 64)
		switch name {
		case "process_resident_memory_bytes":
			if perr == nil {
				rss = uint64(f)
			}
		case "process_cpu_seconds_total":
			if perr == nil {
				cpu = f
			}
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no process_resident_memory_bytes in %s", m.metrics)
	}
	return rss, cpu, sc.Err()
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times
// (100 on every Linux this runs on).
const clockTicks = 100

func readProc(pid int) (rss uint64, cpu float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	rss = procKB(string(b), "VmRSS:")
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return rss, 0, err
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	s := string(st)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) > 12 {
		u, _ := strconv.ParseFloat(f[11], 64) // utime is field 14 of the whole line
		k, _ := strconv.ParseFloat(f[12], 64)
		cpu = (u + k) / clockTicks
	}
	return rss, cpu, nil
}

// procKB reads a "Name:   123 kB" line of /proc/PID/status, in bytes.
func procKB(status, name string) uint64 {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

func (m *memSampler) sample() uint64 {
	rss, _, err := m.read()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.failures++
		return 0
	}
	m.peak = max(m.peak, rss)
	return rss
}

// mark records the memory now under a name ("connected", "end").
func (m *memSampler) mark(name string) {
	mk := memMark{name: name, rss: m.sample()}
	if m.pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.pid)); err == nil {
			mk.anon, mk.file = procKB(string(b), "RssAnon:"), procKB(string(b), "RssFile:")
		}
	}
	m.mu.Lock()
	m.marks = append(m.marks, mk)
	m.mu.Unlock()
}

// cpu returns the server's CPU seconds so far (0 when unknown).
func (m *memSampler) cpu() float64 {
	_, c, _ := m.read()
	return c
}

// cpuSince records the cores the server used on average since cpu0.
func (m *memSampler) cpuSince(cpu0 float64, d time.Duration) {
	if c := m.cpu(); c > 0 && cpu0 > 0 && d > 0 {
		m.mu.Lock()
		m.cores = (c - cpu0) / d.Seconds()
		m.mu.Unlock()
	}
}

func (m *memSampler) stop() {
	select {
	case <-m.done:
	default:
		close(m.done)
	}
	m.wg.Wait()
}

func (m *memSampler) stats() memStats {
	m.stop()
	if m.pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.pid)); err == nil {
			m.hwm = procKB(string(b), "VmHWM:")
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return memStats{source: m.source, peak: m.peak, hwm: m.hwm, marks: m.marks, cores: m.cores, failures: m.failures}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (s memStats) print(w io.Writer) {
	if s.peak == 0 {
		fmt.Fprintf(w, "server memory: unknown (%s unreadable)\n", s.source)
		return
	}
	var parts []string
	for _, mk := range s.marks {
		p := fmt.Sprintf("%s %s", mk.name, mib(mk.rss))
		if mk.anon > 0 {
			p += fmt.Sprintf(" (anonymous %s, files %s)", mib(mk.anon), mib(mk.file))
		}
		parts = append(parts, p)
	}
	fmt.Fprintf(w, "server resident memory (%s): peak sampled %s", s.source, mib(s.peak))
	if s.hwm > 0 {
		fmt.Fprintf(w, ", VmHWM %s", mib(s.hwm))
	}
	fmt.Fprintf(w, "; %s\n", strings.Join(parts, ", "))
	if s.cores > 0 {
		fmt.Fprintf(w, "server CPU during the chat phase: %.2f cores (of the machine's, shared with sbload)\n", s.cores)
	}
}
