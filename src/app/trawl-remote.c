#define G_LOG_DOMAIN "trawl-remote"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "trawl-aria2.h"
#include "trawl-remote.h"

/* Where the queue's videos are downloaded, as the preferences say: this
 * computer, or aria2 at the address set, with its secret from the user's
 * keyring (the Secret portal in the Flatpak). The secret is never kept in
 * GSettings nor in the queue's file. */

static const SecretSchema *
secret_schema (void)
{
  static const SecretSchema schema = {
    APP_ID ".Aria2", SECRET_SCHEMA_NONE,
    {
      { "address", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/* Secrets the keyring could not keep, by address: used until Trawl quits,
 * never written anywhere. */
static GHashTable *
session_secrets (void)
{
  static GHashTable *secrets;

  if (secrets == NULL)
    secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return secrets;
}

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    /* The keyring's prompt was dismissed. */
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("the keyring was not opened"));
}

static void
cleared_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to clear. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * trawl_remote_store_secret_async:
 * @secret: aria2's secret, or "" to forget it
 *
 * Keeps @secret in the user's keyring for @address.
 */
void
trawl_remote_store_secret_async (const char          *address,
                                 const char          *secret,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf ("Trawl: aria2 at %s", address);

  g_task_set_source_tag (task, trawl_remote_store_secret_async);
  /* Until the keyring says it has it, this run keeps it. */
  if (*secret == '\0')
    g_hash_table_remove (session_secrets (), address);
  else
    g_hash_table_replace (session_secrets (), g_strdup (address), g_strdup (secret));
  if (*secret == '\0')
    {
      secret_password_clear (secret_schema (), cancellable, cleared_cb, task, "address", address,
                             NULL);
      return;
    }
  secret_password_store (secret_schema (), SECRET_COLLECTION_DEFAULT, label, secret, cancellable,
                         stored_cb, task, "address", address, NULL);
}

gboolean
trawl_remote_store_secret_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
looked_up_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *address = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *found = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (secret != NULL)
    {
      /* Out of libsecret's non-pageable memory into the caller's copy. */
      found = g_strdup (secret);
      secret_password_free (secret);
    }
  else if (g_hash_table_contains (session_secrets (), address))
    {
      /* Typed in this run, and not kept by the keyring. */
      g_clear_error (&error);
      found = g_strdup (g_hash_table_lookup (session_secrets (), address));
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&found), g_free);
}

void
trawl_remote_lookup_secret_async (const char          *address,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, trawl_remote_lookup_secret_async);
  g_task_set_task_data (task, g_strdup (address), g_free);
  secret_password_lookup (secret_schema (), cancellable, looked_up_cb, task, "address", address,
                          NULL);
}

/**
 * trawl_remote_lookup_secret_finish:
 *
 * Returns: (transfer full) (nullable): the secret kept for the address,
 *   or %NULL (none kept, or no keyring: @error says which)
 */
char *
trawl_remote_lookup_secret_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GWeakRef   queue;
  GSettings *settings;
  guint      generation;  /* a lookup for older settings is dropped */
} Remote;

static void
remote_free (Remote *remote)
{
  g_weak_ref_clear (&remote->queue);
  g_clear_object (&remote->settings);
  g_free (remote);
}

typedef struct
{
  GWeakRef queue;
  guint    generation;
} Lookup;

static GQuark
remote_quark (void)
{
  return g_quark_from_static_string ("trawl-remote");
}

static void
use_aria2 (Remote     *remote,
           const char *secret)
{
  g_autoptr(TrawlQueue) queue = g_weak_ref_get (&remote->queue);
  g_autofree char *address = g_settings_get_string (remote->settings, "aria2-address");
  g_autofree char *dir = g_settings_get_string (remote->settings, "aria2-dir");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = NULL;

  if (queue == NULL)
    return;
  aria2 = trawl_aria2_new (trawl_queue_get_client (queue), address, secret, dir, &error);
  if (aria2 == NULL)
    {
      /* The preferences say what is wrong with the address. */
      g_debug ("Downloading here: %s", error->message);
      trawl_queue_set_backend (queue, NULL);
      return;
    }
  trawl_queue_set_backend (queue, TRAWL_BACKEND (aria2));
}

static void
follow_lookup_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(TrawlQueue) queue = g_weak_ref_get (&lookup->queue);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = trawl_remote_lookup_secret_finish (result, &error);
  Remote *remote = queue != NULL ? g_object_get_qdata (G_OBJECT (queue), remote_quark ()) : NULL;
  guint generation = lookup->generation;

  g_weak_ref_clear (&lookup->queue);
  g_free (lookup);
  /* No keyring: aria2 without a secret, which aria2 refuses (and says
   * so) if it has one. */
  if (error != NULL)
    g_debug ("No aria2 secret from the keyring: %s", error->message);
  if (remote != NULL && generation == remote->generation)
    {
      use_aria2 (remote, secret);
      g_object_set (queue, "download", TRUE, NULL);
    }
}

static void
remote_apply (Remote *remote)
{
  g_autoptr(TrawlQueue) queue = g_weak_ref_get (&remote->queue);
  g_autofree char *address = g_settings_get_string (remote->settings, "aria2-address");
  Lookup *lookup;

  remote->generation++;
  if (queue == NULL)
    return;
  if (g_settings_get_enum (remote->settings, "download-on") == 0 || *address == '\0')
    {
      trawl_queue_set_backend (queue, NULL);
      g_object_set (queue, "download", TRUE, NULL);
      return;
    }
  /* No video starts before the backend is known: one aria2 follows by
   * its GID would otherwise be fetched here again. */
  g_object_set (queue, "download", FALSE, NULL);
  lookup = g_new0 (Lookup, 1);
  g_weak_ref_init (&lookup->queue, queue);
  lookup->generation = remote->generation;
  trawl_remote_lookup_secret_async (address, NULL, follow_lookup_cb, lookup);
}

static void
remote_apply_cb (TrawlQueue *queue)
{
  remote_apply (g_object_get_qdata (G_OBJECT (queue), remote_quark ()));
}

/**
 * trawl_remote_follow:
 *
 * Sets @queue's download backend as @settings say, now and whenever they
 * change, for as long as @queue lives.
 */
void
trawl_remote_follow (TrawlQueue *queue,
                     GSettings  *settings)
{
  Remote *remote = g_new0 (Remote, 1);
  const char *keys[] = { "changed::download-on", "changed::aria2-address", "changed::aria2-dir" };

  g_weak_ref_init (&remote->queue, queue);
  remote->settings = g_object_ref (settings);
  /* The queue owns it; the settings' handlers go with it. */
  g_object_set_qdata_full (G_OBJECT (queue), remote_quark (), remote,
                           (GDestroyNotify) remote_free);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_signal_connect_object (settings, keys[i], G_CALLBACK (remote_apply_cb), queue,
                             G_CONNECT_SWAPPED);
  remote_apply (remote);
}
