/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config internals shared by config.c (sections, overrides) and
 * config_port.c ([port NAME] keys, profile resolution, checks).
 */
#ifndef TUSK_CONFIG_PRIV_H
#define TUSK_CONFIG_PRIV_H

#include "config.h"

/* The key table of section type `section` ("eal", "tuskd", "port"), or
 * NULL for an unknown section. */
const struct tusk_cfgschema_key *tusk_config_schema(const char *section,
						    size_t *nkeys);

/* The [port NAME] key table. */
const struct tusk_cfgschema_key *tusk_config_port_schema(size_t *nkeys);

/* Fill *p from section s of file: defaults, then the section's keys. */
int tusk_config_port_init(struct tusk_config_port *p, const char *file,
			  const struct tusk_cfgfile_section *s, char *err,
			  size_t errlen);

/*
 * Load every port's profile and check ports against them and each other;
 * fills the effective mtu/rx_desc/tx_desc. Errors name the key's line in
 * cfg->path (or the command line).
 */
int tusk_config_resolve(struct tusk_config *cfg, char *err, size_t errlen);

/* config_auth.c: the [auth] key table; [issuer NAME] sections; the
 * checks of the values (errors name the key's line); JSON. */
const struct tusk_cfgschema_key *tusk_config_auth_schema(size_t *nkeys);
int tusk_config_issuer_add(struct tusk_config *cfg, const char *file,
			   const struct tusk_cfgfile_section *s, char *err,
			   size_t errlen);
void tusk_config_auth_lines(struct tusk_config *cfg,
			    const struct tusk_cfgfile_section *s);
int tusk_config_auth_check(const struct tusk_config *cfg, char *err,
			   size_t errlen);
json_t *tusk_config_auth_to_json(const struct tusk_config *cfg);

/* One port as JSON, its profile included. */
json_t *tusk_config_port_to_json(const struct tusk_config_port *p);

#endif /* TUSK_CONFIG_PRIV_H */
