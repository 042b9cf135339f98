-- The fixed data set of the end-to-end tests, loaded into database "app" owned by role "nectar".
-- Run by the harness as the superuser; the objects are created as "nectar".
SET ROLE nectar;

CREATE TABLE types_sample (
    id            int4 PRIMARY KEY,
    c_int2        int2,
    c_int4        int4,
    c_int8        int8,
    c_float4      float4,
    c_float8      float8,
    c_numeric     numeric(30, 6),
    c_text        text,
    c_varchar     varchar(40),
    c_bool        bool,
    c_bytea       bytea,
    c_date        date,
    c_time        time,
    c_timestamp   timestamp,
    c_timestamptz timestamptz,
    c_interval    interval,
    c_uuid        uuid,
    c_json        json,
    c_jsonb       jsonb,
    c_int_arr     int4[],
    c_text_arr    text[]
);
COMMENT ON TABLE types_sample IS 'one row per flavour of value, every common type';

INSERT INTO types_sample VALUES
    (1, 1, 42, 9000000000, 1.5, 3.141592653589793, 12345.678901, 'hello', 'world', true,
     '\x00010203ff'::bytea, '2024-02-29', '13:45:07.123456', '2024-02-29 13:45:07.123456',
     '2024-02-29 13:45:07.123456+00', '1 day 02:03:04.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     '{"a": 1, "b": [true, null]}', '{"k": "v", "n": 1.5, "arr": [1, 2, 3]}',
     '{1,2,3}', '{"x","y z"}'),
    (2, -32768, -2147483648, 9223372036854775807, -0.25, -1e-300, -99999999999999.999999,
     E'quotes '' " \\ tab\t newline\n unicode é ✓', '', false,
     '\x'::bytea, '1970-01-01', '00:00:00', '1999-12-31 23:59:59',
     '1999-12-31 23:59:59-08', '-3 mons +4 days -00:00:01', '00000000-0000-0000-0000-000000000000',
     '[]', '{"nested": {"deep": [{"x": null}]}, "s": "a\"b"}',
     '{-1,NULL,2147483647}', '{"",NULL,"comma,brace{}"}'),
    (3, 32767, 2147483647, -9223372036854775808, 'NaN', 'Infinity', 0, 'ascii', 'v', true,
     '\xdeadbeef'::bytea, '2000-01-01', '23:59:59.999999', '2038-01-19 03:14:08',
     '2038-01-19 03:14:08+05:30', '00:00:00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
     'null', '[1, "two", 3.0]', '{}', '{}'),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL);

CREATE TABLE uniq_items (
    id   int4 PRIMARY KEY,
    code text NOT NULL UNIQUE,
    qty  int4 NOT NULL CHECK (qty >= 0)
);
INSERT INTO uniq_items VALUES (1, 'apple', 10), (2, 'pear', 5), (3, 'plum', 0);

-- Written by tests, always inside transactions that roll back.
CREATE TABLE scratch (
    id   int4 PRIMARY KEY,
    name text NOT NULL,
    val  numeric
);

CREATE TABLE numbers AS SELECT g AS n, g % 7 AS m, md5(g::text) AS h FROM generate_series(1, 1000) g;
ALTER TABLE numbers ADD PRIMARY KEY (n);
CREATE INDEX numbers_m ON numbers (m);

CREATE SCHEMA other;
CREATE TABLE other.things (id int PRIMARY KEY, label text);
INSERT INTO other.things VALUES (1, 'in schema other');

RESET ROLE;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO alice;
ANALYZE;
