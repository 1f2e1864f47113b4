-- Browsing (issue 7): persons listed by name a page at a time.
CREATE INDEX persons_display_name ON persons(display_name, id);
