// Command switchboard runs the Switchboard help desk: `switchboard serve`
// starts it, `switchboard help` lists every command. All the work is in
// package cli; main only wires the process to it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"switchboard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	code := cli.Run(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
