package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/server"
	"switchboard/internal/team"
)

func runMigrate(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("migrate", sio.Stderr)
	cfg, err := dbConfig(sio, fs, args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(sio.Stdout, "Database %s is up to date.\n", cfg.DatabaseLabel())
	return nil
}

func runUserAdd(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("user add", sio.Stderr)
	email := fs.String("email", "", "the agent's email address (required)")
	name := fs.String("name", "", "the agent's name (required)")
	role := fs.String("role", "agent", "admin or agent")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	cfg, err := dbConfig(sio, fs, args)
	if err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(*email) == "":
		return usagef("--email is required")
	case strings.TrimSpace(*name) == "":
		return usagef("--name is required")
	case !desk.Role(*role).Valid():
		return usagef("--role must be admin or agent, not %q", *role)
	}
	password, generated := "", false
	if *pwStdin {
		if password, err = readPassword(sio.Stdin); err != nil {
			return err
		}
	} else {
		password, generated = generatePassword(), true
	}

	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := server.NewServices(st, nil, nil)
	ag, err := svc.Team.CreateAgent(ctx, desk.System, team.NewAgent{
		Email: strings.TrimSpace(*email), Name: strings.TrimSpace(*name),
		Role: desk.Role(*role), Password: password,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.Stdout, "Created %s %s <%s> (id %d).\n", ag.Role, ag.Name, ag.Email, ag.ID)
	if generated {
		fmt.Fprintf(sio.Stdout, "Password: %s\nIt is shown only this once.\n", password)
	}
	return nil
}

func runTokenCreate(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("token create", sio.Stderr)
	email := fs.String("email", "", "email of the agent the token acts as (required)")
	label := fs.String("name", "cli", "a label to recognise the token by")
	cfg, err := dbConfig(sio, fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("--email is required")
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := server.NewServices(st, nil, nil)
	ag, err := svc.Team.AgentByEmail(ctx, desk.System, strings.TrimSpace(*email))
	if err != nil {
		if desk.IsNotFound(err) {
			return fmt.Errorf("no agent with email %s; add one with 'switchboard user add'", *email)
		}
		return err
	}
	secret, _, err := svc.Auth.CreateToken(ctx, desk.System, ag.ID, *label)
	if err != nil {
		return err
	}
	fmt.Fprintln(sio.Stdout, secret)
	return nil
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("--password-stdin given but there is no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("--password-stdin: standard input is empty")
	}
	return line, nil
}

// generatePassword returns a random 20-character password (about 119 bits)
// without look-alike characters.
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	var buf [1]byte
	limit := 256 - 256%n
	for {
		_, _ = rand.Read(buf[:])
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}
