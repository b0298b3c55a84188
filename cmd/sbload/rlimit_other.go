//go:build !unix

package main

// raiseFileLimit cannot tell elsewhere; it trusts the system.
func raiseFileLimit(need uint64) (uint64, error) { return need, nil }
