#pragma once

#include <gio/gio.h>

#include "trawl-board-server.h"
#include "trawl-queue.h"

G_BEGIN_DECLS

/* Failure guard for waits: generous, since a loaded CI machine is slow;
 * a passing test never comes near it. */
#define TRAWL_TEST_TIMEOUT_S 60

void        trawl_test_init          (int                *argc,
                                      char             ***argv);
void        trawl_test_init_ui       (int                *argc,
                                      char             ***argv);
char       *trawl_test_make_tmpdir   (void);
void        trawl_test_rm_rf         (const char         *path);
gboolean    trawl_test_run_quiet     (const char * const *argv);
gboolean    trawl_test_mount         (const char         *type,
                                      const char         *dir,
                                      const char         *options);
char       *trawl_test_file_sha256   (const char         *path);
gint64      trawl_test_file_size     (const char         *path);
char       *trawl_test_fixture_path  (const char         *name);
GBytes     *trawl_test_fixture       (const char         *name);
TrawlQueue *trawl_test_new_queue     (void);
void        trawl_test_drop_queue    (TrawlQueue        **queue);
TrawlItem  *trawl_test_find_item     (TrawlQueue         *queue,
                                      guint               index);
TrawlItem  *trawl_test_item          (TrawlQueue         *queue,
                                      guint               index);
void        trawl_test_assert_video  (const char         *path,
                                      guint               id,
                                      guint64             size);
guint       trawl_test_count_requests (TrawlBoardServer  *server);
guint       trawl_test_free_port     (void);
char       *trawl_test_aria2_version (const char         *address,
                                      const char         *secret,
                                      const char         *ca_file);
GSubprocess *trawl_test_start_aria2c (guint               port,
                                      const char         *secret,
                                      const char         *dir,
                                      const char         *session,
                                      gboolean            tls);

/* Runs the main context until EXPR holds; fails the test (with EXPR in the
 * message) if it has not after TRAWL_TEST_TIMEOUT_S, or SECONDS. */
#define TRAWL_WAIT_UNTIL(expr) TRAWL_WAIT_UNTIL_S (expr, TRAWL_TEST_TIMEOUT_S)
#define TRAWL_WAIT_UNTIL_S(expr, seconds)                                            \
  G_STMT_START {                                                                     \
    gint64 _trawl_deadline = g_get_monotonic_time () +                               \
                             (gint64) (seconds) * G_USEC_PER_SEC;                    \
    while (!(expr))                                                                  \
      {                                                                              \
        if (g_get_monotonic_time () > _trawl_deadline)                               \
          g_error ("Timed out waiting for %s", #expr);                               \
        g_main_context_iteration (NULL, TRUE);                                       \
      }                                                                              \
  } G_STMT_END

G_END_DECLS
