package store

// PostgresURL returns the connection string of a PostgreSQL store without
// its search_path (see Schema), for components that need their own
// connection, such as the realtime broker's LISTEN; "" on SQLite. It may
// hold a password: never log or show it.
func (s *Store) PostgresURL() string { return s.pgURL }
