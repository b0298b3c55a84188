//go:build unix

package main

import "syscall"

// raiseFileLimit raises the soft limit of open files to the hard limit
// when need is above it, and returns the limit now in force.
func raiseFileLimit(need uint64) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < need && l.Cur < l.Max {
		l.Cur = min(max(need, l.Cur), l.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	return l.Cur, nil
}
