package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/desk"
)

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// ContactIDByEmail returns the id of the contact owning the address
// (case-insensitive); ENotFound if none.
func (tx *Tx) ContactIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, "SELECT contact_id FROM contact_emails WHERE email = ?", NormalizeEmail(email)).Scan(&id)
	if err != nil {
		return 0, wrap(err, "Contact", "find contact by email")
	}
	return id, nil
}

// InsertContact stores a contact with its emails (the first is primary)
// and phones and returns its id; EConflict if an email belongs to another contact.
func (tx *Tx) InsertContact(ctx context.Context, c desk.Contact) (int64, error) {
	var company *int64
	if c.Company != nil && c.Company.ID != 0 {
		company = &c.Company.ID
	}
	primary := ""
	if len(c.Emails) > 0 {
		primary = NormalizeEmail(c.Emails[0])
	}
	id, err := tx.insertID(ctx, `INSERT INTO contacts (name, email, company_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`, c.Name, primary, nullInt(company), c.CreatedAt, c.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("store: insert contact: %w", err)
	}
	if err := tx.SetContactEmails(ctx, id, c.Emails); err != nil {
		return 0, err
	}
	if err := tx.SetContactPhones(ctx, id, c.Phones); err != nil {
		return 0, err
	}
	return id, nil
}

// FindOrCreateContact returns the id of the contact owning email, creating
// one named name if none does. It is safe against concurrent creators.
func (tx *Tx) FindOrCreateContact(ctx context.Context, email, name string, at time.Time) (id int64, created bool, err error) {
	ref, created, err := tx.FindOrCreateRequester(ctx, email, name, at)
	return ref.ID, created, err
}

// FindOrCreateRequester is FindOrCreateContact returning the contact's
// short form (id, primary email, name), in one query when it exists.
func (tx *Tx) FindOrCreateRequester(ctx context.Context, email, name string, at time.Time) (ref desk.ContactRef, created bool, err error) {
	email = NormalizeEmail(email)
	lookup := func() error {
		return tx.queryRow(ctx, `SELECT c.id, c.email, c.name FROM contact_emails ce JOIN contacts c ON c.id = ce.contact_id
			WHERE ce.email = ?`, email).Scan(&ref.ID, &ref.Email, &ref.Name)
	}
	err = lookup()
	if err == nil {
		return ref, false, nil
	}
	if err != sql.ErrNoRows {
		return ref, false, fmt.Errorf("store: find contact by email: %w", mapErr(err))
	}
	id, err := tx.insertID(ctx, `INSERT INTO contacts (name, email, created_at, updated_at) VALUES (?, ?, ?, ?)`, name, email, at, at)
	if err != nil {
		return ref, false, fmt.Errorf("store: insert contact: %w", err)
	}
	// A concurrent creator may have claimed the address since the lookup:
	// then keep theirs and drop ours.
	var owner int64
	err = tx.queryRow(ctx, `INSERT INTO contact_emails (email, contact_id, position) VALUES (?, ?, 0)
		ON CONFLICT (email) DO NOTHING RETURNING contact_id`, email, id).Scan(&owner)
	if err == nil {
		return desk.ContactRef{ID: id, Email: email, Name: name}, true, nil
	}
	if err != sql.ErrNoRows {
		return ref, false, fmt.Errorf("store: insert contact email: %w", mapErr(err))
	}
	if _, err := tx.exec(ctx, "DELETE FROM contacts WHERE id = ?", id); err != nil {
		return ref, false, fmt.Errorf("store: insert contact: %w", err)
	}
	if err := lookup(); err != nil {
		return ref, false, fmt.Errorf("store: find contact by email: %w", mapErr(err))
	}
	return ref, false, nil
}

// UpdateContact writes a contact's name, company and updated_at.
func (tx *Tx) UpdateContact(ctx context.Context, c desk.Contact) error {
	var company *int64
	if c.Company != nil && c.Company.ID != 0 {
		company = &c.Company.ID
	}
	res, err := tx.exec(ctx, "UPDATE contacts SET name = ?, company_id = ?, updated_at = ? WHERE id = ?",
		c.Name, nullInt(company), c.UpdatedAt, c.ID)
	if err != nil {
		return fmt.Errorf("store: update contact %d: %w", c.ID, err)
	}
	return mustAffect(res, "Contact", "update contact %d", c.ID)
}

// SetContactEmails replaces a contact's addresses (lower-cased, the first
// primary); EConflict if one belongs to another contact.
func (tx *Tx) SetContactEmails(ctx context.Context, id int64, emails []string) error {
	var norm []string
	for _, e := range emails {
		if e = NormalizeEmail(e); e != "" {
			norm = append(norm, e)
		}
	}
	norm = dedupe(norm)
	if _, err := tx.exec(ctx, "DELETE FROM contact_emails WHERE contact_id = ?", id); err != nil {
		return fmt.Errorf("store: set emails of contact %d: %w", id, err)
	}
	for i, e := range norm {
		if _, err := tx.exec(ctx, "INSERT INTO contact_emails (email, contact_id, position) VALUES (?, ?, ?)", e, id, i); err != nil {
			return fmt.Errorf("store: set emails of contact %d: %w", id, err)
		}
	}
	primary := ""
	if len(norm) > 0 {
		primary = norm[0]
	}
	if _, err := tx.exec(ctx, "UPDATE contacts SET email = ? WHERE id = ?", primary, id); err != nil {
		return fmt.Errorf("store: set emails of contact %d: %w", id, err)
	}
	return nil
}

// SetContactPhones replaces a contact's phone numbers.
func (tx *Tx) SetContactPhones(ctx context.Context, id int64, phones []string) error {
	if _, err := tx.exec(ctx, "DELETE FROM contact_phones WHERE contact_id = ?", id); err != nil {
		return fmt.Errorf("store: set phones of contact %d: %w", id, err)
	}
	var clean []string
	for _, p := range phones {
		if p = strings.TrimSpace(p); p != "" {
			clean = append(clean, p)
		}
	}
	for i, p := range dedupe(clean) {
		if _, err := tx.exec(ctx, "INSERT INTO contact_phones (contact_id, phone, position) VALUES (?, ?, ?)", id, p, i); err != nil {
			return fmt.Errorf("store: set phones of contact %d: %w", id, err)
		}
	}
	return nil
}

const contactCols = `c.id, c.name, c.created_at, c.updated_at, co.id, co.name, co.domain`

func scanContact(sc interface{ Scan(...any) error }, c *desk.Contact) error {
	var coID sql.NullInt64
	var coName, coDomain sql.NullString
	if err := sc.Scan(&c.ID, &c.Name, ts{&c.CreatedAt}, ts{&c.UpdatedAt}, &coID, &coName, &coDomain); err != nil {
		return err
	}
	if coID.Valid {
		c.Company = &desk.Company{ID: coID.Int64, Name: coName.String, Domain: coDomain.String}
	}
	return nil
}

// Contact returns one contact with emails, phones and company.
func (tx *Tx) Contact(ctx context.Context, id int64) (desk.Contact, error) {
	var c desk.Contact
	err := scanContact(tx.queryRow(ctx, "SELECT "+contactCols+
		" FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?", id), &c)
	if err != nil {
		return c, wrap(err, "Contact", "get contact %d", id)
	}
	return c, tx.fillContacts(ctx, []*desk.Contact{&c})
}

func (tx *Tx) fillContacts(ctx context.Context, cs []*desk.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]*desk.Contact, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		c.Emails, c.Phones = []string{}, []string{}
		byID[c.ID] = c
		args[i] = c.ID
	}
	in := placeholders(len(args))
	rows, err := tx.query(ctx, "SELECT contact_id, email FROM contact_emails WHERE contact_id IN ("+in+") ORDER BY contact_id, position", args...)
	if err != nil {
		return fmt.Errorf("store: contact emails: %w", err)
	}
	for rows.Next() {
		var id int64
		var e string
		if err := rows.Scan(&id, &e); err != nil {
			rows.Close()
			return fmt.Errorf("store: contact emails: %w", err)
		}
		byID[id].Emails = append(byID[id].Emails, e)
	}
	rows.Close()
	rows, err = tx.query(ctx, "SELECT contact_id, phone FROM contact_phones WHERE contact_id IN ("+in+") ORDER BY contact_id, position", args...)
	if err != nil {
		return fmt.Errorf("store: contact phones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return fmt.Errorf("store: contact phones: %w", err)
		}
		byID[id].Phones = append(byID[id].Phones, p)
	}
	return rows.Err()
}

type contactCursor struct {
	Name string `json:"n"`
	ID   int64  `json:"i"`
}

// Contacts lists contacts whose name or any email contains q
// (case-insensitive), ordered by name then id, keyset paged by cursor.
func (tx *Tx) Contacts(ctx context.Context, q, cursor string, limit int) ([]desk.Contact, string, error) {
	if limit <= 0 {
		limit = 25
	}
	limit = min(limit, 100)
	where := []string{"1=1"}
	var args []any
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		where = append(where, `(lower(c.name) LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM contact_emails ce WHERE ce.contact_id = c.id AND ce.email LIKE ? ESCAPE '\'))`)
		args = append(args, like, like)
	}
	if cursor != "" {
		var cur contactCursor
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || json.Unmarshal(raw, &cur) != nil {
			return nil, "", desk.Errorf(desk.EInvalid, "Invalid cursor.")
		}
		where = append(where, "(c.name > ? OR (c.name = ? AND c.id > ?))")
		args = append(args, cur.Name, cur.Name, cur.ID)
	}
	args = append(args, limit+1)
	rows, err := tx.query(ctx, "SELECT "+contactCols+" FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE "+
		strings.Join(where, " AND ")+" ORDER BY c.name, c.id LIMIT ?", args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list contacts: %w", err)
	}
	defer rows.Close()
	var out []desk.Contact
	for rows.Next() {
		var c desk.Contact
		if err := scanContact(rows, &c); err != nil {
			return nil, "", fmt.Errorf("store: list contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list contacts: %w", err)
	}
	rows.Close()
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		raw, _ := json.Marshal(contactCursor{Name: last.Name, ID: last.ID})
		next = base64.RawURLEncoding.EncodeToString(raw)
	}
	ptrs := make([]*desk.Contact, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, next, tx.fillContacts(ctx, ptrs)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// InsertCompany stores a company and returns its id; EConflict if the name is taken.
func (tx *Tx) InsertCompany(ctx context.Context, name, domain string, at time.Time) (int64, error) {
	id, err := tx.insertID(ctx, "INSERT INTO companies (name, domain, created_at) VALUES (?, ?, ?)", name, strings.ToLower(domain), at)
	if err != nil {
		return 0, fmt.Errorf("store: insert company %q: %w", name, err)
	}
	return id, nil
}

// EnsureCompany returns the company with that name (ignoring case),
// creating it first if there is none. Concurrent calls with the same name
// end with one company: the insert yields to the unique index on lower(name).
func (tx *Tx) EnsureCompany(ctx context.Context, name string, at time.Time) (desk.Company, error) {
	if _, err := tx.exec(ctx, "INSERT INTO companies (name, domain, created_at) VALUES (?, '', ?) ON CONFLICT DO NOTHING", name, at); err != nil {
		return desk.Company{}, fmt.Errorf("store: ensure company %q: %w", name, err)
	}
	var c desk.Company
	err := tx.queryRow(ctx, "SELECT id, name, domain FROM companies WHERE lower(name) = lower(?)", name).Scan(&c.ID, &c.Name, &c.Domain)
	if err != nil {
		return c, wrap(err, "Company", "ensure company %q", name)
	}
	return c, nil
}

// Company returns one company.
func (tx *Tx) Company(ctx context.Context, id int64) (desk.Company, error) {
	var c desk.Company
	err := tx.queryRow(ctx, "SELECT id, name, domain FROM companies WHERE id = ?", id).Scan(&c.ID, &c.Name, &c.Domain)
	if err != nil {
		return c, wrap(err, "Company", "get company %d", id)
	}
	return c, nil
}

// Companies lists companies by name.
func (tx *Tx) Companies(ctx context.Context) ([]desk.Company, error) {
	rows, err := tx.query(ctx, "SELECT id, name, domain FROM companies ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("store: list companies: %w", err)
	}
	defer rows.Close()
	out := []desk.Company{}
	for rows.Next() {
		var c desk.Company
		if err := rows.Scan(&c.ID, &c.Name, &c.Domain); err != nil {
			return nil, fmt.Errorf("store: list companies: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
