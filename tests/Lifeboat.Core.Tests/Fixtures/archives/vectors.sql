-- The one small database every test vector here is dumped from (see README.md and make-vectors).
-- Each object is here for a way the archive reader could go wrong; rows are deterministic, so
-- every major's vector holds the same data. Runs on PostgreSQL 13 and later.

-- Many rows: 20000 data chunks in one block (pg_dump writes a chunk per COPY row without compression).
CREATE TABLE public.many_rows (id integer PRIMARY KEY, note text NOT NULL);
INSERT INTO public.many_rows SELECT i, 'row ' || i FROM generate_series(1, 20000) AS i;

-- No rows: a data block with no line in it (and, up to 17, only the end marker).
CREATE TABLE public.empty_table (id integer, note text);

-- Values that COPY must escape: newlines, carriage returns, tabs, backslashes, a value that reads
-- like the end marker "\.", and NULLs. A counter that counted raw newlines would be fooled by none
-- of them, because COPY writes them as \n, \r, \t, \\ and \N.
CREATE TABLE public.awkward_text (id integer PRIMARY KEY, body text);
INSERT INTO public.awkward_text VALUES
    (1, E'first line\nsecond line\nthird line'),
    (2, E'\\.'),
    (3, E'\n\\.\n'),
    (4, E'back\\slash\\'),
    (5, E'tab\there\r\nand a CRLF'),
    (6, NULL),
    (7, ''),
    (8, E'ends with a newline\n');

-- A schema and a table whose names need quotes (space, capitals, a double quote, non-ASCII).
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Table ""Quoted"" Ünï" ("Some Column" integer);
INSERT INTO "Odd Schema"."Table ""Quoted"" Ünï" SELECT generate_series(1, 3);

-- A partitioned table: its rows are in the partitions' data blocks, the parent has none.
CREATE TABLE public.measurements (taken date NOT NULL, value numeric) PARTITION BY RANGE (taken);
CREATE TABLE public.measurements_2024 PARTITION OF public.measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.measurements_2025 PARTITION OF public.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public.measurements SELECT date '2024-01-01' + i, i / 7.0 FROM generate_series(0, 499) AS i;

-- A table without columns: each of its rows is an empty line in COPY, so a block of them ends in
-- blank lines whether or not an end marker follows.
CREATE TABLE public.no_columns ();
INSERT INTO public.no_columns SELECT FROM generate_series(1, 42);

-- An inheritance parent: its data block holds its own rows only (ONLY), the child's are in the child's.
CREATE TABLE public.animals (name text);
CREATE TABLE public.dogs (breed text) INHERITS (public.animals);
INSERT INTO public.animals VALUES ('cat'), ('cow');
INSERT INTO public.dogs VALUES ('rex', 'collie'), ('fido', 'pug'), ('max', 'lab');

-- A sequence and a materialized view: TOC entries that are neither TABLE DATA nor blobs.
CREATE SEQUENCE public.counter START 42;
CREATE MATERIALIZED VIEW public.many_rows_summary AS SELECT count(*) AS n FROM public.many_rows;

-- Two large objects (fixed oids, so every vector has the same) of two owners: pg_dump 17 and later group
-- large objects by owner and privileges into BLOB METADATA entries with a BLOBS data block each (at most
-- 1000 to a group), so from 17 on this archive has two BLOBS blocks; up to 16, one BLOBS block holds both.
CREATE ROLE lo_keeper;
SELECT lo_from_bytea(424242, convert_to('a small large object', 'UTF8'));
SELECT lo_from_bytea(424243, decode(repeat('00ff5c0a2e', 4000), 'hex'));
ALTER LARGE OBJECT 424243 OWNER TO lo_keeper;

ANALYZE;
