/**
 * Functions an export may call: built-ins that only compute a value. Anything else (user functions, which can change
 * data; sleep, locks, sequences, file access, settings) makes the export something other than one read.
 */
import type { Dialect } from './lexer.js';

const COMMON = `
abs acos asin atan atan2 avg bit_and bit_length bit_or bit_xor cbrt ceil ceiling char_length character_length coalesce
concat concat_ws cos cot count cume_dist degrees dense_rank div exp extract first_value floor greatest lag last_value
lead least left length ln log log10 log2 lower lpad ltrim max md5 min mod now nth_value ntile nullif octet_length
percent_rank pi position power radians rank repeat replace reverse right round row_number rpad rtrim sha1 sha2 sign sin
sqrt stddev stddev_pop stddev_samp substr substring sum tan trim trunc truncate upper var_pop var_samp variance
current_date current_time current_timestamp localtime localtimestamp
`;

const MYSQL = `
adddate addtime ascii bin bit_count char charset coercibility collation conv convert convert_tz crc32 curdate curtime
date date_add date_format date_sub datediff day dayname dayofmonth dayofweek dayofyear elt export_set field find_in_set
format from_base64 from_days from_unixtime group_concat hex hour if ifnull inet_aton inet_ntoa inet6_aton inet6_ntoa insert
instr is_ipv4 is_ipv6 isnull json_array json_arrayagg json_contains json_contains_path json_depth json_extract json_keys
json_length json_object json_objectagg json_overlaps json_pretty json_quote json_search json_type json_unquote json_valid
json_value last_day lcase locate make_set makedate maketime microsecond minute month monthname oct ord period_add
period_diff quarter quote regexp_instr regexp_like regexp_replace regexp_substr sec_to_time second soundex space
std str_to_date strcmp subdate substring_index subtime sysdate time time_format time_to_sec timediff timestamp
timestampadd timestampdiff to_base64 to_days to_seconds ucase unhex unix_timestamp utc_date utc_time utc_timestamp uuid
week weekday weekofyear year yearweek any_value bin_to_uuid uuid_to_bin cast exists
`;

const POSTGRES = `
age array_agg array_length array_position array_to_string array_upper array_lower bool_and bool_or btrim cardinality
char_length chr clock_timestamp date_part date_trunc decode encode every format initcap isfinite json_agg
json_array_length json_build_array json_build_object json_extract_path json_extract_path_text json_object_agg
jsonb_agg jsonb_array_length jsonb_build_array jsonb_build_object jsonb_extract_path jsonb_extract_path_text
jsonb_object_agg jsonb_path_query jsonb_path_exists jsonb_pretty jsonb_typeof json_typeof justify_days justify_hours
make_date make_interval make_time make_timestamp make_timestamptz mode overlay percentile_cont percentile_disc
regexp_match regexp_matches regexp_replace regexp_split_to_array split_part starts_with statement_timestamp string_agg
strpos timezone to_char to_date to_number to_timestamp transaction_timestamp translate unnest generate_series
date_bin normalize gen_random_uuid num_nulls num_nonnulls scale width_bucket array_cat array_append array_prepend
array_remove array_replace string_to_array to_json to_jsonb jsonb_set jsonb_insert jsonb_strip_nulls row_to_json
array_to_json json_populate_record jsonb_populate_record json_each jsonb_each json_each_text jsonb_each_text
json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_object_keys
jsonb_object_keys quote_ident quote_literal quote_nullable bit_count corr covar_pop covar_samp regr_slope
regr_intercept regr_count regr_r2 regr_avgx regr_avgy regr_sxx regr_syy regr_sxy xmlagg array_dims
`;

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const MYSQL_SET = new Set([...words(COMMON), ...words(MYSQL)]);
const PG_SET = new Set([...words(COMMON), ...words(POSTGRES)]);

/** Whether `name` (unqualified, any case) is a built-in that only computes a value in `dialect`. */
export function isReadOnlyFunction(dialect: Dialect, name: string): boolean {
  return (dialect === 'postgresql' ? PG_SET : MYSQL_SET).has(name.toLowerCase());
}
