#define G_LOG_DOMAIN "trawl-board-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "trawl-board-server.h"
#include "trawl-hls-streams.h"

/* A loopback SoupServer that serves a generated board in the pear-video
 * layout (see DESIGN.md): a category page, its category_loading.jsp
 * fragments, detail pages in the classic (inline srcUrl) and current (JSON
 * API) forms, the videoStatus.jsp API that refuses a request without the
 * detail page as Referer, and deterministic video bodies with Range and
 * injected faults. It counts the requests in flight so tests can assert
 * concurrency without looking at a clock. */

#define CATEGORY 5
#define FIRST_ID 1300000
#define SYSTEM_TIME "1700000000123"
#define CHUNK (64 * 1024)

typedef struct
{
  TrawlFault fault;
  guint      arg;
  guint      times;  /* 0: always */
} Fault;

struct _TrawlBoardServer
{
  GObject         parent_instance;

  SoupServer     *server;
  char           *base;
  guint           items;
  guint           page_size;
  TrawlBoardForm  form;
  guint64         video_size;
  guint           latency;
  gboolean        range;
  gboolean        refuse_head;    /* videos answer HEAD with 405 */
  gboolean        video_referer;  /* videos need their detail page as Referer */
  gboolean        hostile;
  gboolean        gbk;
  guint           version;
  gboolean        hold;
  gboolean        hold_thumbnails;
  GPtrArray      *held_thumbnails;  /* SoupServerMessage, paused */
  GStrv           titles;
  guint64         video_rate;  /* per connection */
  guint64         video_burst; /* the first bytes of each answer unpaced */
  TrawlParallel   parallel;
  guint           parallel_status;
  GHashTable     *streams;    /* item id -> requests for its video being answered */
  GPtrArray      *flights;    /* Flight, not done */
  guint64         answer_cap; /* the most bytes of a 206 (0: no cap) */
  guint           max_streams_per_video;
  guint           parallel_refused;
  gboolean        parallel_other_sent;  /* TRAWL_PARALLEL_OTHER_FIRST's one answer */
  guint           close_linger_ms;
  TrawlRangeFault range_fault;
  guint           range_fault_status;
  guint           range_faults;     /* answers the range fault spoiled */
  guint           range_faults_due; /* requests the range fault applied to, spoiled or not */
  gboolean        endless;
  GBytes         *bomb;
  TrawlHlsStreams *hls;

  GHashTable     *faults;   /* item id -> Fault */
  GPtrArray      *held;     /* SoupServerMessage waiting for the hold to lift */
  GPtrArray      *stalled;  /* SoupServerMessage stalled for good */

  guint           in_flight;
  guint           max_in_flight;
  guint           videos_in_flight;
  guint           max_videos_in_flight;
  guint           requests[TRAWL_N_REQUEST_KINDS];
  GHashTable     *last_headers[TRAWL_N_REQUEST_KINDS];  /* lower-case name -> value */
  guint           range_requests;
  guint64         video_bytes;
};

G_DEFINE_FINAL_TYPE (TrawlBoardServer, trawl_board_server, G_TYPE_OBJECT)

static const char * const hostile_titles[] = {
  "../../../../tmp/trawl-escape",
  "a/b\\c:d*e?f\"g<h>i|j",
  "...",
  "CON",
  "nul.txt",
  ".hidden",
  "tab\there\nnewline\x01" "control",
  "evil\xE2\x80\xAE" "4pm.exe",
  "",
  "   ",
};

static void
trawl_board_server_finalize (GObject *object)
{
  TrawlBoardServer *self = (TrawlBoardServer *)object;

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_free (self->base);
  g_clear_pointer (&self->faults, g_hash_table_unref);
  g_clear_pointer (&self->streams, g_hash_table_unref);
  g_clear_pointer (&self->flights, g_ptr_array_unref);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_pointer (&self->held_thumbnails, g_ptr_array_unref);
  g_clear_pointer (&self->stalled, g_ptr_array_unref);
  g_strfreev (self->titles);
  g_clear_pointer (&self->bomb, g_bytes_unref);
  g_clear_pointer (&self->hls, trawl_hls_streams_free);
  for (guint i = 0; i < TRAWL_N_REQUEST_KINDS; i++)
    g_clear_pointer (&self->last_headers[i], g_hash_table_unref);

  G_OBJECT_CLASS (trawl_board_server_parent_class)->finalize (object);
}

static void
trawl_board_server_class_init (TrawlBoardServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_board_server_finalize;
}

static void
trawl_board_server_init (TrawlBoardServer *self)
{
  self->items = 50;
  self->page_size = 12;
  self->form = TRAWL_BOARD_FORM_MIXED;
  self->video_size = 64 * 1024;
  self->range = TRUE;
  self->version = 1;
  self->faults = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->streams = g_hash_table_new (NULL, NULL);
  self->flights = g_ptr_array_new ();
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  self->held_thumbnails = g_ptr_array_new_with_free_func (g_object_unref);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
}

TrawlBoardServer *
trawl_board_server_new (void)
{
  return g_object_new (TRAWL_TYPE_BOARD_SERVER, NULL);
}

guint
trawl_board_server_item_id (guint index)
{
  return FIRST_ID + index * 7;
}

static gboolean
index_for_id (TrawlBoardServer *self,
              guint64           id,
              guint            *index)
{
  if (id < FIRST_ID || (id - FIRST_ID) % 7 != 0 ||
      (!self->endless && (id - FIRST_ID) / 7 >= self->items) || (id - FIRST_ID) / 7 > G_MAXUINT)
    return FALSE;

  *index = (guint) ((id - FIRST_ID) / 7);
  return TRUE;
}

char *
trawl_board_server_item_title (TrawlBoardServer *self,
                               guint             index)
{
  if (self->hostile)
    return g_strdup (hostile_titles[index % G_N_ELEMENTS (hostile_titles)]);

  if (self->titles != NULL && self->titles[0] != NULL)
    return g_strdup (self->titles[index % g_strv_length (self->titles)]);

  /* Chinese titles with a number, as on the real boards. */
  return g_strdup_printf ("第%u集：梨视频测试视频", index + 1);
}

static guint64
mix (guint64 x)
{
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* The bytes of video @id are a pure function of (id, position), so any
 * range of them can be produced, and checked, without storing a file. */
void
trawl_board_server_fill (guint    id,
                         guint64  offset,
                         guint8  *buffer,
                         gsize    length)
{
  guint64 seed = (guint64) id << 40;
  gsize done = 0;

  while (done < length)
    {
      guint64 position = offset + done;
      guint64 word = mix (seed ^ (position / 8));
      guint skip = position % 8;
      gsize n = MIN (8 - skip, length - done);

      for (gsize i = 0; i < n; i++)
        buffer[done + i] = (guint8) (word >> (8 * (skip + i)));
      done += n;
    }
}

char *
trawl_board_server_checksum (guint   id,
                             guint64 size)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (CHUNK);

  for (guint64 offset = 0; offset < size; offset += CHUNK)
    {
      gsize n = (gsize) MIN ((guint64) CHUNK, size - offset);

      trawl_board_server_fill (id, offset, buffer, n);
      g_checksum_update (checksum, buffer, n);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

static TrawlBoardForm
form_of (TrawlBoardServer *self,
         guint             index)
{
  if (self->form == TRAWL_BOARD_FORM_MIXED)
    return index % 2 == 0 ? TRAWL_BOARD_FORM_CLASSIC : TRAWL_BOARD_FORM_API;

  return self->form;
}

/* cont-<id>-<n>-hd.mp4 is the file; the API names it <systemTime>-<n>-hd.mp4,
 * and only replacing the time with cont-<id> gives the real URL. */
static char *
video_url (TrawlBoardServer *self,
           guint             id,
           gboolean          api_form)
{
  guint n = 15000000 + id % 1000000;

  if (api_form)
    return g_strdup_printf ("%s/mp4/short/20231010/" SYSTEM_TIME "-%u-hd.mp4", self->base, n);

  return g_strdup_printf ("%s/mp4/short/20231010/cont-%u-%u-hd.mp4", self->base, id, n);
}

/* Requests in flight: counted from the handler to the message's end,
 * whether it ends well or the client goes away. */
typedef struct
{
  TrawlBoardServer  *self;
  SoupServerMessage *msg;    /* unowned, while not done */
  gboolean           video;
  gboolean           done;
} Flight;

static void video_stream_end_for (SoupServerMessage *msg);

static void
flight_end (Flight *flight)
{
  if (flight->done)
    return;
  flight->done = TRUE;
  g_ptr_array_remove_fast (flight->self->flights, flight);
  flight->self->in_flight--;
  if (flight->video)
    flight->self->videos_in_flight--;
}

static void
flight_free (Flight *flight)
{
  flight_end (flight);
  g_free (flight);
}

/* A client that closed its connection in the middle of an answer is gone
 * at once, though soup only notices at its next write (a paced answer
 * writes every few milliseconds): the counts must not include it when
 * the client opens another one. */
static void
end_closed_flights (TrawlBoardServer *self)
{
  for (guint i = self->flights->len; i > 0; i--)
    {
      Flight *flight = g_ptr_array_index (self->flights, i - 1);
      GSocket *socket = soup_server_message_get_socket (flight->msg);
      char byte;
      ssize_t got;

      if (socket == NULL)
        continue;
      /* 0: the client closed it (FIN). A client that closes with unread
       * answer in its buffer resets it instead (RST), which a peek reports
       * as ECONNRESET: gone just the same. */
      got = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (got == 0 || (got < 0 && (errno == ECONNRESET || errno == EPIPE)))
        {
          video_stream_end_for (flight->msg);
          flight_end (flight);
        }
    }
}

static void
flight_begin (TrawlBoardServer  *self,
              SoupServerMessage *msg,
              gboolean           video)
{
  Flight *flight = g_new0 (Flight, 1);

  end_closed_flights (self);
  flight->self = self;
  flight->msg = msg;
  flight->video = video;
  g_ptr_array_add (self->flights, flight);
  self->in_flight++;
  self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
  if (video)
    {
      self->videos_in_flight++;
      self->max_videos_in_flight = MAX (self->max_videos_in_flight, self->videos_in_flight);
    }

  g_signal_connect_swapped (msg, "finished", G_CALLBACK (flight_end), flight);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (flight_end), flight);
  g_object_set_data_full (G_OBJECT (msg), "trawl-flight", flight, (GDestroyNotify) flight_free);
}

static gboolean
is_detail_fault (TrawlFault fault)
{
  return fault == TRAWL_FAULT_DETAIL_STATUS || fault == TRAWL_FAULT_DETAIL_STALL;
}

static Fault *
take_fault (TrawlBoardServer *self,
            guint             id,
            int               kind)  /* 0 video, 1 detail, 2 API */
{
  Fault *fault = g_hash_table_lookup (self->faults, GUINT_TO_POINTER (id));
  int fault_kind;

  if (fault == NULL)
    return NULL;
  fault_kind = is_detail_fault (fault->fault) ? 1 : fault->fault == TRAWL_FAULT_API_GARBAGE ? 2 : 0;
  if (fault_kind != kind)
    return NULL;

  if (fault->times > 0)
    {
      static Fault once;

      once = *fault;
      if (--fault->times == 0)
        g_hash_table_remove (self->faults, GUINT_TO_POINTER (id));
      return &once;
    }

  return fault;
}

typedef struct
{
  SoupServerMessage *msg;
  gboolean           finished;
} Delayed;

static void
delayed_finished (Delayed *delayed)
{
  delayed->finished = TRUE;
}

static gboolean
delayed_unpause (gpointer user_data)
{
  Delayed *delayed = user_data;

  if (!delayed->finished)
    soup_server_message_unpause (delayed->msg);
  g_signal_handlers_disconnect_by_data (delayed->msg, delayed);
  g_object_unref (delayed->msg);
  g_free (delayed);

  return G_SOURCE_REMOVE;
}

static void
respond (TrawlBoardServer  *self,
         SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         const char        *body,
         gsize              length)
{
  char *converted = NULL;
  gsize written = 0;

  soup_server_message_set_status (msg, status, NULL);

  if (self->gbk && g_str_has_prefix (content_type, "text/html"))
    converted = g_convert (body, length, "GB18030", "UTF-8", NULL, &written, NULL);

  if (converted != NULL)
    {
      /* A header charset is kept (and made right); without one the page's
       * own meta tag has to be read. */
      soup_server_message_set_response (msg,
                                        strstr (content_type, "charset=") != NULL
                                          ? "text/html; charset=GBK" : "text/html",
                                        SOUP_MEMORY_TAKE, converted, written);
    }
  else
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, length);

  if (self->latency > 0)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delayed->msg = g_object_ref (msg);
      g_signal_connect_swapped (msg, "finished", G_CALLBACK (delayed_finished), delayed);
      /* A client that went away while the answer waited. */
      g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (delayed_finished), delayed);
      soup_server_message_pause (msg);
      g_timeout_add (self->latency, delayed_unpause, delayed);
    }
}

static void
respond_status (TrawlBoardServer  *self,
                SoupServerMessage *msg,
                guint              status)
{
  g_autofree char *body = g_strdup_printf ("<html><body><h1>%u %s</h1></body></html>", status,
                                           soup_status_get_phrase (status));

  respond (self, msg, status, "text/html; charset=utf-8", body, strlen (body));
}

/* Every item's cover image: a 32×18 PNG. */
static const guint8 thumbnail_png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x12,
  0x08, 0x02, 0x00, 0x00, 0x00, 0xb5, 0xaa, 0x4b, 0x05, 0x00, 0x00, 0x04,
  0x19, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x0d, 0xcd, 0xb1, 0xea, 0x76,
  0x50, 0x00, 0xc0, 0xe1, 0xef, 0x72, 0xfe, 0x8b, 0xc5, 0x62, 0x79, 0x17,
  0x8b, 0xc5, 0x62, 0xb1, 0x9c, 0x12, 0x45, 0xea, 0x94, 0x28, 0x52, 0xa7,
  0x44, 0x91, 0x3a, 0x25, 0x06, 0x8b, 0xc5, 0xf2, 0x5b, 0x2c, 0x96, 0x77,
  0xb1, 0x58, 0x2c, 0x6e, 0xec, 0x7b, 0x9f, 0x1b, 0x78, 0xfe, 0xfd, 0x09,
  0x0c, 0x81, 0x29, 0xb0, 0x04, 0x1f, 0x81, 0x2d, 0x70, 0x04, 0xae, 0xc0,
  0x13, 0xf8, 0x02, 0x21, 0x08, 0x05, 0x89, 0x40, 0x0a, 0x72, 0x41, 0x25,
  0x50, 0x82, 0x56, 0x30, 0x08, 0xb4, 0x60, 0x16, 0xac, 0x82, 0x4d, 0xb0,
  0x0b, 0x10, 0x1c, 0x82, 0x53, 0xf0, 0x15, 0x5c, 0x82, 0x5b, 0xf0, 0x08,
  0x5e, 0xc1, 0xbf, 0xbf, 0x00, 0x23, 0xc0, 0x0c, 0xb0, 0x02, 0x3e, 0x01,
  0x76, 0x80, 0x13, 0xe0, 0x06, 0x78, 0x01, 0x7e, 0x80, 0x08, 0x08, 0x03,
  0x92, 0x00, 0x19, 0x90, 0x07, 0x54, 0x01, 0x2a, 0xa0, 0x0d, 0x18, 0x02,
  0x74, 0xc0, 0x1c, 0xb0, 0x06, 0x6c, 0x01, 0x7b, 0x00, 0x01, 0x47, 0xc0,
  0x19, 0xf0, 0x0d, 0xb8, 0x02, 0xee, 0x80, 0x27, 0xe0, 0x0d, 0x7e, 0x41,
  0x84, 0x11, 0x61, 0x46, 0x58, 0x11, 0x9f, 0x08, 0x3b, 0xc2, 0x89, 0x70,
  0x23, 0xbc, 0x08, 0x3f, 0x42, 0x44, 0x84, 0x11, 0x49, 0x84, 0x8c, 0xc8,
  0x23, 0xaa, 0x08, 0x15, 0xd1, 0x46, 0x0c, 0x11, 0x3a, 0x62, 0x8e, 0x58,
  0x23, 0xb6, 0x88, 0x3d, 0x82, 0x88, 0x23, 0xe2, 0x8c, 0xf8, 0x46, 0x5c,
  0x11, 0x77, 0xc4, 0x13, 0xf1, 0x46, 0xbf, 0x20, 0xc6, 0x88, 0x31, 0x63,
  0xac, 0x98, 0x4f, 0x8c, 0x1d, 0xe3, 0xc4, 0xb8, 0x31, 0x5e, 0x8c, 0x1f,
  0x23, 0x62, 0xc2, 0x98, 0x24, 0x46, 0xc6, 0xe4, 0x31, 0x55, 0x8c, 0x8a,
  0x69, 0x63, 0x86, 0x18, 0x1d, 0x33, 0xc7, 0xac, 0x31, 0x5b, 0xcc, 0x1e,
  0x43, 0xcc, 0x11, 0x73, 0xc6, 0x7c, 0x63, 0xae, 0x98, 0x3b, 0xe6, 0x89,
  0x79, 0xe3, 0x5f, 0x90, 0x62, 0xa4, 0x98, 0x29, 0x56, 0xca, 0x27, 0xc5,
  0x4e, 0x71, 0x52, 0xdc, 0x14, 0x2f, 0xc5, 0x4f, 0x11, 0x29, 0x61, 0x4a,
  0x92, 0x22, 0x53, 0xf2, 0x94, 0x2a, 0x45, 0xa5, 0xb4, 0x29, 0x43, 0x8a,
  0x4e, 0x99, 0x53, 0xd6, 0x94, 0x2d, 0x65, 0x4f, 0x21, 0xe5, 0x48, 0x39,
  0x53, 0xbe, 0x29, 0x57, 0xca, 0x9d, 0xf2, 0xa4, 0xbc, 0xe9, 0x2f, 0x90,
  0x18, 0x12, 0x53, 0x62, 0x49, 0x3e, 0x12, 0x5b, 0xe2, 0x48, 0x5c, 0x89,
  0x27, 0xf1, 0x25, 0x42, 0x12, 0x4a, 0x12, 0x89, 0x94, 0xe4, 0x92, 0x4a,
  0xa2, 0x24, 0xad, 0x64, 0x90, 0x68, 0xc9, 0x2c, 0x59, 0x25, 0x9b, 0x64,
  0x97, 0x20, 0x39, 0x24, 0xa7, 0xe4, 0x2b, 0xb9, 0x24, 0xb7, 0xe4, 0x91,
  0xbc, 0xf2, 0x17, 0x64, 0x18, 0x19, 0x66, 0x86, 0x95, 0xf1, 0xc9, 0xb0,
  0x33, 0x9c, 0x0c, 0x37, 0xc3, 0xcb, 0xf0, 0x33, 0x44, 0x46, 0x98, 0x91,
  0x64, 0xc8, 0x8c, 0x3c, 0xa3, 0xca, 0x50, 0x19, 0x6d, 0xc6, 0x90, 0xa1,
  0x33, 0xe6, 0x8c, 0x35, 0x63, 0xcb, 0xd8, 0x33, 0xc8, 0x38, 0x32, 0xce,
  0x8c, 0x6f, 0xc6, 0x95, 0x71, 0x67, 0x3c, 0x19, 0x6f, 0xf6, 0x0b, 0x0a,
  0x8c, 0x02, 0xb3, 0xc0, 0x2a, 0xf8, 0x14, 0xd8, 0x05, 0x4e, 0x81, 0x5b,
  0xe0, 0x15, 0xf8, 0x05, 0xa2, 0x20, 0x2c, 0x48, 0x0a, 0x64, 0x41, 0x5e,
  0x50, 0x15, 0xa8, 0x82, 0xb6, 0x60, 0x28, 0xd0, 0x05, 0x73, 0xc1, 0x5a,
  0xb0, 0x15, 0xec, 0x05, 0x14, 0x1c, 0x05, 0x67, 0xc1, 0xb7, 0xe0, 0x2a,
  0xb8, 0x0b, 0x9e, 0x82, 0xb7, 0xf8, 0x05, 0x25, 0x46, 0x89, 0x59, 0x62,
  0x95, 0x7c, 0x4a, 0xec, 0x12, 0xa7, 0xc4, 0x2d, 0xf1, 0x4a, 0xfc, 0x12,
  0x51, 0x12, 0x96, 0x24, 0x25, 0xb2, 0x24, 0x2f, 0xa9, 0x4a, 0x54, 0x49,
  0x5b, 0x32, 0x94, 0xe8, 0x92, 0xb9, 0x64, 0x2d, 0xd9, 0x4a, 0xf6, 0x12,
  0x4a, 0x8e, 0x92, 0xb3, 0xe4, 0x5b, 0x72, 0x95, 0xdc, 0x25, 0x4f, 0xc9,
  0x5b, 0xfe, 0x82, 0x1a, 0xa3, 0xc6, 0xac, 0xb1, 0x6a, 0x3e, 0x35, 0x76,
  0x8d, 0x53, 0xe3, 0xd6, 0x78, 0x35, 0x7e, 0x8d, 0xa8, 0x09, 0x6b, 0x92,
  0x1a, 0x59, 0x93, 0xd7, 0x54, 0x35, 0xaa, 0xa6, 0xad, 0x19, 0x6a, 0x74,
  0xcd, 0x5c, 0xb3, 0xd6, 0x6c, 0x35, 0x7b, 0x0d, 0x35, 0x47, 0xcd, 0x59,
  0xf3, 0xad, 0xb9, 0x6a, 0xee, 0x9a, 0xa7, 0xe6, 0xad, 0x7f, 0x81, 0xc2,
  0x50, 0x98, 0x0a, 0x4b, 0xf1, 0x51, 0xd8, 0x0a, 0x47, 0xe1, 0x2a, 0x3c,
  0x85, 0xaf, 0x10, 0x8a, 0x50, 0x91, 0x28, 0xa4, 0x22, 0x57, 0x54, 0x0a,
  0xa5, 0x68, 0x15, 0x83, 0x42, 0x2b, 0x66, 0xc5, 0xaa, 0xd8, 0x14, 0xbb,
  0x02, 0xc5, 0xa1, 0x38, 0x15, 0x5f, 0xc5, 0xa5, 0xb8, 0x15, 0x8f, 0xe2,
  0x55, 0xbf, 0xa0, 0xc1, 0x68, 0x30, 0x1b, 0xac, 0x86, 0x4f, 0x83, 0xdd,
  0xe0, 0x34, 0xb8, 0x0d, 0x5e, 0x83, 0xdf, 0x20, 0x1a, 0xc2, 0x86, 0xa4,
  0x41, 0x36, 0xe4, 0x0d, 0x55, 0x83, 0x6a, 0x68, 0x1b, 0x86, 0x06, 0xdd,
  0x30, 0x37, 0xac, 0x0d, 0x5b, 0xc3, 0xde, 0x40, 0xc3, 0xd1, 0x70, 0x36,
  0x7c, 0x1b, 0xae, 0x86, 0xbb, 0xe1, 0x69, 0x78, 0x9b, 0x5f, 0xd0, 0x61,
  0x74, 0x98, 0x1d, 0x56, 0xc7, 0xa7, 0xc3, 0xee, 0x70, 0x3a, 0xdc, 0x0e,
  0xaf, 0xc3, 0xef, 0x10, 0x1d, 0x61, 0x47, 0xd2, 0x21, 0x3b, 0xf2, 0x8e,
  0xaa, 0x43, 0x75, 0xb4, 0x1d, 0x43, 0x87, 0xee, 0x98, 0x3b, 0xd6, 0x8e,
  0xad, 0x63, 0xef, 0xa0, 0xe3, 0xe8, 0x38, 0x3b, 0xbe, 0x1d, 0x57, 0xc7,
  0xdd, 0xf1, 0x74, 0xbc, 0xdd, 0x2f, 0xe8, 0x31, 0x7a, 0xcc, 0x1e, 0xab,
  0xe7, 0xd3, 0x63, 0xf7, 0x38, 0x3d, 0x6e, 0x8f, 0xd7, 0xe3, 0xf7, 0x88,
  0x9e, 0xb0, 0x27, 0xe9, 0x91, 0x3d, 0x79, 0x4f, 0xd5, 0xa3, 0x7a, 0xda,
  0x9e, 0xa1, 0x47, 0xf7, 0xcc, 0x3d, 0x6b, 0xcf, 0xd6, 0xb3, 0xf7, 0xd0,
  0x73, 0xf4, 0x9c, 0x3d, 0xdf, 0x9e, 0xab, 0xe7, 0xee, 0x79, 0x7a, 0xde,
  0xfe, 0x17, 0x8c, 0x18, 0x23, 0xe6, 0x88, 0x35, 0xf2, 0x19, 0xb1, 0x47,
  0x9c, 0x11, 0x77, 0xc4, 0x1b, 0xf1, 0x47, 0xc4, 0x48, 0x38, 0x92, 0x8c,
  0xc8, 0x91, 0x7c, 0xa4, 0x1a, 0x51, 0x23, 0xed, 0xc8, 0x30, 0xa2, 0x47,
  0xe6, 0x91, 0x75, 0x64, 0x1b, 0xd9, 0x47, 0x18, 0x39, 0x46, 0xce, 0x91,
  0xef, 0xc8, 0x35, 0x72, 0x8f, 0x3c, 0x23, 0xef, 0xf8, 0x0b, 0x34, 0x86,
  0xc6, 0xd4, 0x58, 0x9a, 0x8f, 0xc6, 0xd6, 0x38, 0x1a, 0x57, 0xe3, 0x69,
  0x7c, 0x8d, 0xd0, 0x84, 0x9a, 0x44, 0x23, 0x35, 0xb9, 0xa6, 0xd2, 0x28,
  0x4d, 0xab, 0x19, 0x34, 0x5a, 0x33, 0x6b, 0x56, 0xcd, 0xa6, 0xd9, 0x35,
  0x68, 0x0e, 0xcd, 0xa9, 0xf9, 0x6a, 0x2e, 0xcd, 0xad, 0x79, 0x34, 0xaf,
  0xfe, 0x05, 0x13, 0xc6, 0x84, 0x39, 0x61, 0x4d, 0x7c, 0x26, 0xec, 0x09,
  0x67, 0xc2, 0x9d, 0xf0, 0x26, 0xfc, 0x09, 0x31, 0x11, 0x4e, 0x24, 0x13,
  0x72, 0x22, 0x9f, 0xa8, 0x26, 0xd4, 0x44, 0x3b, 0x31, 0x4c, 0xe8, 0x89,
  0x79, 0x62, 0x9d, 0xd8, 0x26, 0xf6, 0x09, 0x26, 0x8e, 0x89, 0x73, 0xe2,
  0x3b, 0x71, 0x4d, 0xdc, 0x13, 0xcf, 0xc4, 0x3b, 0xfd, 0x82, 0x05, 0x63,
  0xc1, 0x5c, 0xb0, 0x16, 0x3e, 0x0b, 0xf6, 0x82, 0xb3, 0xe0, 0x2e, 0x78,
  0x0b, 0xfe, 0x82, 0x58, 0x08, 0x17, 0x92, 0x05, 0xb9, 0x90, 0x2f, 0x54,
  0x0b, 0x6a, 0xa1, 0x5d, 0x18, 0x16, 0xf4, 0xc2, 0xbc, 0xb0, 0x2e, 0x6c,
  0x0b, 0xfb, 0x02, 0x0b, 0xc7, 0xc2, 0xb9, 0xf0, 0x5d, 0xb8, 0x16, 0xee,
  0x85, 0x67, 0xe1, 0x5d, 0xf8, 0x0f, 0xac, 0x8b, 0x74, 0x6e, 0x6b, 0x93,
  0x69, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
  0x60, 0x82,
};

static void
serve_thumbnail (TrawlBoardServer  *self,
                 SoupServerMessage *msg)
{
  if (self->hold_thumbnails)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (self->held_thumbnails, g_object_ref (msg));
      return;
    }
  respond (self, msg, 200, "image/png", (const char *) thumbnail_png, sizeof thumbnail_png);
}

static void
append_item (TrawlBoardServer *self,
             GString          *html,
             guint             index)
{
  guint id = trawl_board_server_item_id (index);
  g_autofree char *title = trawl_board_server_item_title (self, index);
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  g_string_append_printf (html,
    "<li class=\"categoryem%s\">\n"
    "  <div class=\"vervideo-bd\">\n"
    "    <a href=\"video_%u\" class=\"vervideo-lilink actplay\" target=\"_blank\">\n"
    "      <div class=\"vervideo-img\">\n"
    "        <div class=\"verimg-view\"><div class=\"img\" "
    "style=\"background-image: url(thumb_%u.png);\"></div></div>\n"
    "        <div class=\"cm-duration\">0%u:1%u</div>\n"
    "      </div>\n"
    "      <div class=\"vervideo-title\">%s</div>\n"
    "    </a>\n"
    "    <div class=\"actcont-auto\"><a href=\"author_1\" class=\"column\">梨视频</a></div>\n"
    "  </div>\n"
    "</li>\n",
    index % 3 == 0 ? " " : "", id, id, index % 10, index % 6, escaped);
}

static void
serve_list (TrawlBoardServer  *self,
            SoupServerMessage *msg)
{
  g_autoptr(GString) html = g_string_new (NULL);

  g_string_append (html,
    "<!DOCTYPE html>\n<html><head>\n"
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\n"
    "<title>财富_梨视频官网</title></head>\n<body>\n"
    "<div class=\"category-top\"><ul id=\"listvideoListUl\" class=\"category-list clearfix\">\n");
  if (!self->gbk)
    g_string_replace (html, "charset=gbk", "charset=utf-8", 1);

  for (guint i = 0; i < MIN (self->page_size, self->items); i++)
    append_item (self, html, i);

  g_string_append_printf (html,
    "</ul></div>\n"
    "<div class=\"more-btn\"><a class=\"more\" href=\"javascript:;\" "
    "data-start=\"%u\">加载更多</a></div>\n"
    "</body></html>\n", self->page_size);

  respond (self, msg, 200, "text/html", html->str, html->len);
}

static void
serve_loading (TrawlBoardServer  *self,
               SoupServerMessage *msg,
               GHashTable        *query)
{
  g_autoptr(GString) html = g_string_new (NULL);
  const char *start_text = query ? g_hash_table_lookup (query, "start") : NULL;
  const char *category = query ? g_hash_table_lookup (query, "categoryId") : NULL;
  guint64 start = 0;

  if (start_text == NULL ||
      !g_ascii_string_to_unsigned (start_text, 10, 0, G_MAXUINT, &start, NULL) ||
      g_strcmp0 (category, G_STRINGIFY (CATEGORY)) != 0)
    {
      respond_status (self, msg, 400);
      return;
    }

  /* An endless board has a next page, with new items, whatever the offset. */
  for (guint64 i = start; i < (self->endless ? start + self->page_size
                                             : MIN (start + self->page_size, self->items)); i++)
    append_item (self, html, (guint) i);

  /* Fragments have no meta tag: only the header tells their charset. */
  respond (self, msg, 200, "text/html;charset=UTF-8", html->str, html->len);
}

static void
serve_detail (TrawlBoardServer  *self,
              SoupServerMessage *msg,
              guint              index)
{
  guint id = trawl_board_server_item_id (index);
  g_autofree char *title = trawl_board_server_item_title (self, index);
  g_autofree char *escaped = g_markup_escape_text (title, -1);
  g_autofree char *src = video_url (self, id, FALSE);
  g_autoptr(GString) html = g_string_new (NULL);
  Fault *fault = take_fault (self, id, 1);

  if (fault != NULL && fault->fault == TRAWL_FAULT_DETAIL_STALL)
    {
      /* Held until the server goes away: only the client's idle timeout
       * ends this request. */
      soup_server_message_pause (msg);
      g_ptr_array_add (self->stalled, g_object_ref (msg));
      return;
    }
  if (fault != NULL)
    {
      respond_status (self, msg, fault->arg);
      return;
    }

  g_string_append_printf (html,
    "<!DOCTYPE html>\n<html><head><meta charset=\"%s\">\n"
    "<title>%s_梨视频官网</title></head>\n<body>\n"
    "<div class=\"main-video-box\" id=\"drag_target1\"><div class=\"img prism-player\" "
    "id=\"JprismPlayer\"></div></div>\n"
    "<div class=\"video-main\"><div class=\"box-left clear-mar\">"
    "<h1 class=\"video-tt\">%s</h1></div></div>\n"
    "<script type=\"text/javascript\">\n"
    "var contId=\"%u\",liveStatusUrl=\"liveStatus.jsp\",liveSta=\"\",playSta=\"1\","
    "autoPlay=!1,isLiving=!1,isVrVideo=!1,hdflvUrl=\"\",sdflvUrl=\"\",hdUrl=\"\",sdUrl=\"\","
    "ldUrl=\"\",",
    self->gbk ? "gbk" : "utf-8", escaped, escaped, id);

  if (form_of (self, index) == TRAWL_BOARD_FORM_CLASSIC)
    g_string_append_printf (html, "srcUrl=\"%s\",vdoUrl=srcUrl,", src);

  g_string_append (html,
    "skinRes=\"//www.pearvideo.com/domain/skin\",videoCDN=\"//video.pearvideo.com\";\n"
    "</script>\n</body></html>\n");

  respond (self, msg, 200, "text/html", html->str, html->len);
}

static void
serve_api (TrawlBoardServer  *self,
           SoupServerMessage *msg,
           GHashTable        *query)
{
  const char *cont = query ? g_hash_table_lookup (query, "contId") : NULL;
  const char *referer = soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), "Referer");
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;
  guint64 id = 0;
  guint index;

  if (cont == NULL || !g_ascii_string_to_unsigned (cont, 10, 0, G_MAXUINT, &id, NULL) ||
      !index_for_id (self, id, &index))
    {
      body = g_strdup ("{\"resultCode\":\"5\",\"resultMsg\":\"该文章已经下线！\","
                       "\"systemTime\":\"" SYSTEM_TIME "\"}");
      respond (self, msg, 200, "application/json;charset=UTF-8", body, strlen (body));
      return;
    }

  /* Like the real site: without the detail page as Referer, an error. */
  expected = g_strdup_printf ("%s/video_%u", self->base, (guint) id);
  if (g_strcmp0 (referer, expected) != 0)
    {
      body = g_strdup ("{\"resultCode\":\"5\",\"resultMsg\":\"该文章已经下线！\","
                       "\"systemTime\":\"" SYSTEM_TIME "\"}");
      respond (self, msg, 200, "application/json;charset=UTF-8", body, strlen (body));
      return;
    }

  if (take_fault (self, (guint) id, 2) != NULL)
    {
      const char *garbage = "<html><body>502 Bad Gateway</body></html>{\"resultCode\":";

      respond (self, msg, 200, "application/json;charset=UTF-8", garbage, strlen (garbage));
      return;
    }

  {
    g_autofree char *src = video_url (self, (guint) id, TRUE);

    body = g_strdup_printf (
      "{\"resultCode\":\"1\",\"resultMsg\":\"success\",\"reqId\":\"4f1c0d0e\","
      "\"systemTime\":\"" SYSTEM_TIME "\",\"videoInfo\":{\"playSta\":\"1\","
      "\"video_image\":\"https://image.example/cont/%u.png\",\"videos\":{\"hdUrl\":\"\","
      "\"hdflvUrl\":\"\",\"sdUrl\":\"\",\"sdflvUrl\":\"\",\"srcUrl\":\"%s\"}}}",
      (guint) id, src);
  }

  respond (self, msg, 200, "application/json;charset=UTF-8", body, strlen (body));
}

typedef struct
{
  TrawlBoardServer  *self;
  SoupServerMessage *msg;
  guint              id;
  guint64            position;
  guint64            end;
  guint64            cut;       /* stop at this position (G_MAXUINT64: never) */
  guint              fill_id;   /* whose bytes it sends */
  guint64            rate;      /* bytes a second, 0: as fast as possible */
  guint64            burst;     /* the answer's first bytes go unpaced until here */
  TrawlFault         cut_kind;
  gboolean           finished;
} Stream;

/* Requests for one video being answered, counted like the flights: from
 * the handler to the message's end, however it ends. */
typedef struct
{
  TrawlBoardServer *self;
  guint             id;
  gboolean          done;
  gboolean          complete;  /* its whole body was written */
} VideoStream;

static void
video_stream_count_down (TrawlBoardServer *self,
                         guint             id)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->streams, GUINT_TO_POINTER (id)));

  if (n <= 1)
    g_hash_table_remove (self->streams, GUINT_TO_POINTER (id));
  else
    g_hash_table_insert (self->streams, GUINT_TO_POINTER (id), GUINT_TO_POINTER (n - 1));
}

typedef struct
{
  TrawlBoardServer *self;
  guint             id;
} Linger;

static void
linger_free (Linger *linger)
{
  g_object_unref (linger->self);
  g_free (linger);
}

static gboolean
linger_cb (gpointer user_data)
{
  Linger *linger = user_data;

  video_stream_count_down (linger->self, linger->id);
  return G_SOURCE_REMOVE;
}

static void
video_stream_wrote_body (VideoStream *stream)
{
  stream->complete = TRUE;
}

/* An answer the client left before its end is counted open a while
 * longer when close_linger_ms says so (see
 * trawl_board_server_set_close_linger()). */
static void
video_stream_end (VideoStream *stream)
{
  if (stream->done)
    return;
  stream->done = TRUE;
  if (!stream->complete && stream->self->close_linger_ms > 0)
    {
      Linger *linger = g_new0 (Linger, 1);

      linger->self = g_object_ref (stream->self);
      linger->id = stream->id;
      g_timeout_add_full (G_PRIORITY_DEFAULT, stream->self->close_linger_ms, linger_cb, linger,
                          (GDestroyNotify) linger_free);
      return;
    }
  video_stream_count_down (stream->self, stream->id);
}

/* Counts a request for video @id; returns how many others were being
 * answered. */
static guint
video_stream_begin (TrawlBoardServer  *self,
                    SoupServerMessage *msg,
                    guint              id)
{
  VideoStream *stream = g_new0 (VideoStream, 1);
  guint others = GPOINTER_TO_UINT (g_hash_table_lookup (self->streams, GUINT_TO_POINTER (id)));

  stream->self = self;
  stream->id = id;
  g_hash_table_insert (self->streams, GUINT_TO_POINTER (id), GUINT_TO_POINTER (others + 1));
  self->max_streams_per_video = MAX (self->max_streams_per_video, others + 1);
  g_signal_connect_swapped (msg, "wrote-body", G_CALLBACK (video_stream_wrote_body), stream);
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (video_stream_end), stream);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (video_stream_end), stream);
  g_object_set_data_full (G_OBJECT (msg), "trawl-video-stream", stream, g_free);
  return others;
}

static void
video_stream_end_for (SoupServerMessage *msg)
{
  VideoStream *stream = g_object_get_data (G_OBJECT (msg), "trawl-video-stream");

  if (stream != NULL)
    video_stream_end (stream);
}

static void
stream_finished (Stream *stream)
{
  stream->finished = TRUE;
}

static void stream_next (Stream *stream);

static gboolean
stream_paced (gpointer user_data)
{
  Stream *stream = user_data;

  SoupServerMessage *msg = stream->msg;

  if (!stream->finished)
    {
      stream_next (stream);
      soup_server_message_unpause (msg);
    }
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
stream_wrote_chunk (Stream *stream)
{
  guint delay;

  if (stream->rate == 0 || stream->position >= stream->end || stream->position < stream->burst)
    {
      stream_next (stream);
      return;
    }

  /* Paced: the next chunk comes when the rate allows; until then the
   * server has nothing to write and waits. */
  delay = (guint) (MIN (CHUNK, stream->rate) * 1000 / stream->rate);
  g_object_ref (stream->msg);
  g_timeout_add (MAX (delay, 1), stream_paced, stream);
}

static void
stream_next (Stream *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  guint64 limit = MIN (stream->end, stream->cut);
  gsize n;
  guint8 *data;

  if (stream->position >= stream->end)
    {
      soup_message_body_complete (body);
      return;
    }

  if (stream->position >= stream->cut)
    {
      if (stream->cut_kind == TRAWL_FAULT_RESET)
        {
          GSocket *socket = soup_server_message_get_socket (stream->msg);
          Flight *flight = g_object_get_data (G_OBJECT (stream->msg), "trawl-flight");

          /* The server is done with this request: soup only notices a
           * shut-down socket at its next write, which never comes. */
          if (flight != NULL)
            flight_end (flight);
          video_stream_end_for (stream->msg);
          if (socket != NULL)
            g_socket_shutdown (socket, TRUE, TRUE, NULL);
        }
      else
        {
          /* Stalled: nothing more is appended, so the server waits. */
          g_ptr_array_add (stream->self->stalled, g_object_ref (stream->msg));
        }
      return;
    }

  n = (gsize) MIN ((guint64) MIN (CHUNK, stream->rate > 0 && stream->position >= stream->burst
                                              ? stream->rate : CHUNK),
                   limit - stream->position);
  data = g_malloc (n);
  trawl_board_server_fill (stream->fill_id, stream->position, data, n);
  stream->position += n;
  stream->self->video_bytes += n;
  soup_message_body_append (body, SOUP_MEMORY_TAKE, data, n);
}

static void
stream_start (Stream *stream)
{
  g_signal_connect_swapped (stream->msg, "wrote-chunk", G_CALLBACK (stream_wrote_chunk), stream);
  g_signal_connect_swapped (stream->msg, "finished", G_CALLBACK (stream_finished), stream);
  g_signal_connect_swapped (stream->msg, "disconnected", G_CALLBACK (stream_finished), stream);
  g_object_set_data_full (G_OBJECT (stream->msg), "trawl-stream", stream, g_free);
  stream_next (stream);
}

static void
release_held (TrawlBoardServer *self)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (held, i);
      Stream *stream = g_object_get_data (G_OBJECT (msg), "trawl-stream-held");

      g_object_steal_data (G_OBJECT (msg), "trawl-stream-held");
      stream_start (stream);
      soup_server_message_unpause (msg);
    }
}

static void
serve_video (TrawlBoardServer  *self,
             SoupServerMessage *msg,
             const char        *path)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = NULL;
  g_auto(GStrv) parts = g_strsplit (path, "-", -1);
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  guint64 id = 0;
  guint index;
  Stream *stream;
  Fault *fault;
  const char *if_range;
  const char *range;
  TrawlParallel parallel;
  TrawlRangeFault range_fault;

  if (self->refuse_head && g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_HEAD))
    {
      respond_status (self, msg, 405);
      return;
    }

  /* /mp4/short/<date>/cont-<id>-<n>-hd.mp4; the systemTime name the API
   * gives is not a file, as on the real site. */
  if (g_strv_length (parts) != 4 || !g_str_has_suffix (parts[0], "/cont") ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, &id, NULL) ||
      !index_for_id (self, id, &index))
    {
      respond_status (self, msg, 404);
      return;
    }

  /* Hotlink protection, as many video hosts have. */
  if (self->video_referer)
    {
      g_autofree char *expected = g_strdup_printf ("%s/video_%u", self->base, (guint) id);

      if (g_strcmp0 (soup_message_headers_get_one (request, "Referer"), expected) != 0)
        {
          respond_status (self, msg, 403);
          return;
        }
    }

  fault = take_fault (self, (guint) id, 0);
  if (fault != NULL && fault->fault == TRAWL_FAULT_STATUS)
    {
      respond_status (self, msg, fault->arg);
      return;
    }
  if (fault != NULL && fault->fault == TRAWL_FAULT_RETRY_AFTER)
    {
      g_autofree char *seconds = g_strdup_printf ("%u", fault->arg);

      soup_message_headers_replace (response, "Retry-After", seconds);
      respond_status (self, msg, 429);
      return;
    }
  if (fault != NULL && fault->fault == TRAWL_FAULT_REDIRECT)
    {
      g_autofree char *location = g_strdup_printf ("http://localhost:%s%s",
                                                   strrchr (self->base, ':') + 1, path);

      soup_message_headers_replace (response, "Location", location);
      respond_status (self, msg, 302);
      return;
    }
  if (fault != NULL && fault->fault == TRAWL_FAULT_HTML)
    {
      const char *page = "<html><body>Please log in to watch this video.</body></html>";

      /* The whole page, whatever range was asked: libsoup's own range
       * answer for a range past a short body is a critical. */
      soup_message_headers_remove (request, "Range");

      respond (self, msg, 200, "text/html; charset=utf-8", page, strlen (page));
      return;
    }

  parallel = video_stream_begin (self, msg, (guint) id) > 0 &&
             soup_message_headers_get_one (request, "Range") != NULL
             ? self->parallel : TRAWL_PARALLEL_ALLOW;
  if (parallel == TRAWL_PARALLEL_REFUSE)
    {
      self->parallel_refused++;
      respond_status (self, msg, self->parallel_status);
      return;
    }
  if (parallel == TRAWL_PARALLEL_DROP)
    {
      GSocket *socket = soup_server_message_get_socket (msg);
      Flight *flight = g_object_get_data (G_OBJECT (msg), "trawl-flight");

      self->parallel_refused++;
      if (flight != NULL)
        flight_end (flight);
      video_stream_end (g_object_get_data (G_OBJECT (msg), "trawl-video-stream"));
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      return;
    }
  if (parallel == TRAWL_PARALLEL_IGNORE)
    self->parallel_refused++;
  range_fault = soup_message_headers_get_one (request, "Range") != NULL ? self->range_fault
                                                                       : TRAWL_RANGE_FAULT_NONE;
  if (range_fault == TRAWL_RANGE_FAULT_SILENT_ALTERNATE)
    range_fault = self->range_faults_due++ % 2 == 0 ? TRAWL_RANGE_FAULT_SILENT
                                                    : TRAWL_RANGE_FAULT_NONE;
  if (range_fault != TRAWL_RANGE_FAULT_NONE)
    self->range_faults++;
  if (range_fault == TRAWL_RANGE_FAULT_STATUS)
    {
      respond_status (self, msg, self->range_fault_status);
      return;
    }

  stream = g_new0 (Stream, 1);
  stream->self = self;
  stream->msg = msg;
  stream->id = stream->fill_id = (guint) id;
  stream->end = self->video_size;
  stream->cut = G_MAXUINT64;
  stream->rate = parallel == TRAWL_PARALLEL_DRIP ? 64 : self->video_rate;
  if (parallel == TRAWL_PARALLEL_OTHER_BYTES ||
      (parallel == TRAWL_PARALLEL_OTHER_FIRST && !self->parallel_other_sent))
    stream->fill_id = (guint) id + 1;
  if (parallel == TRAWL_PARALLEL_OTHER_FIRST && !self->parallel_other_sent)
    {
      self->parallel_other_sent = TRUE;
      stream->rate = 0;
    }
  if (fault != NULL && (fault->fault == TRAWL_FAULT_RESET || fault->fault == TRAWL_FAULT_STALL))
    stream->cut_kind = fault->fault;

  etag = g_strdup_printf ("\"v%u-%u-%" G_GUINT64_FORMAT "%s\"", self->version, (guint) id,
                          self->video_size, parallel == TRAWL_PARALLEL_OTHER_ETAG ? "b" : "");
  soup_message_headers_set_content_type (response, "video/mp4", NULL);
  soup_message_headers_replace (response, "ETag", etag);
  soup_message_headers_replace (response, "Last-Modified", "Tue, 10 Oct 2023 08:00:00 GMT");

  if (self->range)
    soup_message_headers_replace (response, "Accept-Ranges", "bytes");

  if (fault != NULL && fault->fault == TRAWL_FAULT_SHORT_SAME_TAG)
    {
      guint8 *data = g_malloc (fault->arg);

      g_free (stream);
      trawl_board_server_fill ((guint) id, 0, data, fault->arg);
      soup_message_headers_remove (request, "Range");
      respond (self, msg, 200, "video/mp4", (const char *) data, fault->arg);
      g_free (data);
      return;
    }

  if_range = soup_message_headers_get_one (request, "If-Range");
  range = soup_message_headers_get_one (request, "Range");
  if (self->range && range != NULL && g_str_has_prefix (range, "bytes=") &&
      g_ascii_strtoull (range + 6, NULL, 10) >= self->video_size &&
      (if_range == NULL || g_str_equal (if_range, etag)))
    {
      g_autofree char *unsatisfied = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT,
                                                      self->video_size);

      self->range_requests++;
      g_free (stream);
      soup_message_headers_replace (response, "Content-Range", unsatisfied);
      respond_status (self, msg, 416);
      return;
    }

  if (self->range && parallel != TRAWL_PARALLEL_IGNORE &&
      soup_message_headers_get_ranges (request, self->video_size, &ranges, &n_ranges))
    {
      self->range_requests++;
      if (n_ranges == 1 && (if_range == NULL || g_str_equal (if_range, etag)))
        {
          stream->position = ranges[0].start;
          stream->end = ranges[0].end + 1;
          if (self->answer_cap > 0)
            stream->end = MIN (stream->end, stream->position + self->answer_cap);
          soup_server_message_set_status (msg, 206, NULL);
          if (range_fault != TRAWL_RANGE_FAULT_NO_CONTENT_RANGE)
            soup_message_headers_set_content_range (
              response, stream->position + (range_fault == TRAWL_RANGE_FAULT_WRONG_START),
              stream->end - 1, self->video_size);
          if (range_fault == TRAWL_RANGE_FAULT_CUT_THIRD)
            {
              stream->cut = stream->position + (stream->end - stream->position) / 3;
              stream->cut_kind = TRAWL_FAULT_RESET;
            }
          if (range_fault == TRAWL_RANGE_FAULT_SILENT)
            {
              stream->cut = stream->position;
              stream->cut_kind = TRAWL_FAULT_STALL;
            }
        }
      soup_message_headers_free_ranges (request, ranges);
    }

  if (soup_server_message_get_status (msg) != 206)
    soup_server_message_set_status (msg, 200, NULL);

  /* A reset or a stall comes after arg bytes of this response. */
  if (fault != NULL && (fault->fault == TRAWL_FAULT_RESET || fault->fault == TRAWL_FAULT_STALL))
    stream->cut = stream->position + fault->arg;
  if (parallel != TRAWL_PARALLEL_DRIP)
    stream->burst = stream->position + self->video_burst;
  if (parallel == TRAWL_PARALLEL_CUT)
    {
      stream->cut = MIN (stream->cut, stream->position + 100000);
      stream->cut_kind = TRAWL_FAULT_RESET;
    }

  soup_message_headers_set_encoding (response, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (response, stream->end - stream->position);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  if (self->hold)
    {
      g_object_set_data_full (G_OBJECT (msg), "trawl-stream-held", stream, g_free);
      g_ptr_array_add (self->held, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }

  stream_start (stream);
}

static void
serve_plain (TrawlBoardServer  *self,
             SoupServerMessage *msg,
             const char        *path)
{
  g_autoptr(GString) html = g_string_new ("<!DOCTYPE html><html><head><title>");
  guint64 index;

  /* Pages with no recipe: a list of links, each to a page with a player;
   * or a list of links straight to the files. */
  if (g_str_equal (path, "/plain/") || g_str_equal (path, "/plain/files"))
    {
      gboolean files = g_str_equal (path, "/plain/files");

      g_string_append (html, "Plain board</title></head><body><ul>\n");
      for (guint i = 0; i < self->items; i++)
        {
          g_autofree char *href = files ? video_url (self, trawl_board_server_item_id (i), FALSE)
                                        : g_strdup_printf ("watch/%u", i);

          g_string_append_printf (html, "<li><a href=\"%s\">Clip %u</a></li>\n", href, i + 1);
        }
      g_string_append (html, "<li><a href=\"/about\">About</a></li></ul></body></html>\n");
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }

  if (g_str_has_prefix (path, "/plain/watch/") &&
      g_ascii_string_to_unsigned (path + strlen ("/plain/watch/"), 10, 0, self->items - 1,
                                  &index, NULL))
    {
      guint id = trawl_board_server_item_id ((guint) index);
      g_autofree char *src = video_url (self, id, FALSE);

      g_string_append_printf (html,
        "Clip %u</title>\n"
        "<meta property=\"og:title\" content=\"Plain clip %u\">\n"
        "<meta property=\"og:video:url\" content=\"%s\">\n"
        "</head><body><video controls><source src=\"%s\" type=\"video/mp4\"></video>"
        "</body></html>\n",
        (guint) index + 1, (guint) index + 1, src, src);
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }

  respond_status (self, msg, 404);
}

/* Layouts no built-in recipe reads and the generic extractor cannot: each
 * detail page starts its player from a script, so only a recipe (or its
 * suggestion) finds the video. /cards/ is a grid of cards with numbered
 * pages and a "next" link; /cards/table a table; /cards/script a page whose
 * list is JSON in a script; /cards/more a feed with a "load more" button
 * whose endpoint answers the next cards as an HTML fragment. */
static void
append_card (TrawlBoardServer *self,
             GString          *html,
             const char       *layout,
             guint             index)
{
  guint id = trawl_board_server_item_id (index);
  guint seconds = 60 + index * 7;

  if (g_str_equal (layout, "table"))
    g_string_append_printf (html,
      "<tr><td class=\"t\"><a href=\"/cards/watch/%u\">视频 %u：海边的一天</a></td>"
      "<td>%u:%02u</td><td><a href=\"/cards/user/%u\">作者</a></td></tr>\n",
      id, index + 1, seconds / 60, seconds % 60, index % 3);
  else if (g_str_equal (layout, "more"))
    g_string_append_printf (html,
      "<li class=\"entry\"><a class=\"entry-link\" href=\"/cards/watch/%u\">"
      "<img src=\"/thumb_%u.png\" alt=\"\"><span class=\"entry-title\">Feed clip %u</span></a>"
      "</li>\n", id, id, index + 1);
  else
    g_string_append_printf (html,
      "<div class=\"card\"><a class=\"card-link\" href=\"/cards/watch/%u\">"
      "<img class=\"cover\" src=\"/thumb_%u.png\" alt=\"\">"
      "<h3 class=\"card-title\">Card clip %u</h3></a>"
      "<span class=\"duration\">%u:%02u</span>"
      "<a class=\"tag\" href=\"/cards/tag/%u\">#tag</a></div>\n",
      id, id, index + 1, seconds / 60, seconds % 60, index % 4);
}

static void
serve_cards (TrawlBoardServer  *self,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query)
{
  g_autoptr(GString) html = g_string_new (NULL);
  const char *page_arg = query != NULL ? g_hash_table_lookup (query, "page") : NULL;
  const char *offset_arg = query != NULL ? g_hash_table_lookup (query, "offset") : NULL;
  guint64 page = 1, offset = 0, id;
  guint index;

  if (page_arg != NULL)
    g_ascii_string_to_unsigned (page_arg, 10, 1, 100000, &page, NULL);
  if (offset_arg != NULL)
    g_ascii_string_to_unsigned (offset_arg, 10, 0, 1000000, &offset, NULL);

  if (g_str_has_prefix (path, "/cards/watch/") &&
      g_ascii_string_to_unsigned (path + strlen ("/cards/watch/"), 10, 0, G_MAXUINT, &id, NULL) &&
      index_for_id (self, id, &index))
    {
      g_autofree char *src = video_url (self, (guint) id, FALSE);

      g_string_append_printf (html,
        "<!DOCTYPE html><html><head><title>Clip %u · Cards</title></head><body>"
        "<h1>Clip %u</h1><div id=\"player\"></div>\n"
        "<script>var player = new Player('#player');\n"
        "player.setup({\"file\": \"%s\", \"autoplay\": false});</script>\n"
        "<p><a href=\"/cards/\">Back</a></p></body></html>\n", index + 1, index + 1, src);
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }

  if (g_str_equal (path, "/cards/more/items"))
    {
      for (guint i = offset; i < MIN (offset + self->page_size, self->items); i++)
        append_card (self, html, "more", i);
      if (offset + self->page_size < self->items)
        g_string_append_printf (html,
          "<button class=\"load-more\" data-href=\"/cards/more/items?offset=%u\">Load more"
          "</button>\n", (guint) (offset + self->page_size));
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }

  g_string_append (html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                         "<title>Cards · a video site</title></head><body>\n"
                         "<header><nav><a href=\"/cards/\">Home</a> <a href=\"/cards/about\">"
                         "About</a> <a href=\"/cards/login\">Log in</a></nav></header>\n");

  if (g_str_equal (path, "/cards/") || g_str_equal (path, "/cards/table"))
    {
      gboolean table = g_str_equal (path, "/cards/table");
      guint first = (guint) (page - 1) * self->page_size;
      guint pages = (self->items + self->page_size - 1) / self->page_size;

      g_string_append (html, table ? "<table class=\"videos\"><tr><th>标题</th><th>时长</th>"
                                     "<th>作者</th></tr>\n"
                                   : "<main><div class=\"grid\">\n");
      for (guint i = first; i < MIN (first + self->page_size, self->items); i++)
        append_card (self, html, table ? "table" : "cards", i);
      g_string_append (html, table ? "</table>\n<div class=\"pages\">"
                                   : "</div>\n<nav class=\"pager\">");
      for (guint p = 1; p <= pages; p++)
        g_string_append_printf (html, "<a href=\"?page=%u\">%u</a> ", p, p);
      if (page < pages)
        g_string_append_printf (html, table ? "<a href=\"table?page=%u\">下一页</a>"
                                            : "<a class=\"next\" href=\"?page=%u\">Next ›</a>",
                                (guint) page + 1);
      g_string_append (html, table ? "</div>\n" : "</nav></main>\n");
    }
  else if (g_str_equal (path, "/cards/script"))
    {
      g_string_append (html, "<div id=\"app\">Loading…</div>\n<script>window.__STATE__ = "
                             "{\"user\": null, \"feed\": {\"videos\": [");
      for (guint i = 0; i < self->items; i++)
        {
          guint vid = trawl_board_server_item_id (i);

          g_string_append_printf (html, "%s{\"id\": %u, \"name\": \"Script clip %u\", "
                                  "\"href\": \"\\/cards\\/watch\\/%u\", "
                                  "\"poster\": \"/thumb_%u.png\", \"length\": \"%u\"}",
                                  i > 0 ? ", " : "", vid, i + 1, vid, vid, 60 + i);
        }
      g_string_append (html, "]}};</script>\n");
    }
  else if (g_str_equal (path, "/cards/more"))
    {
      g_string_append (html, "<ul id=\"feed\">\n");
      for (guint i = 0; i < MIN (self->page_size, self->items); i++)
        append_card (self, html, "more", i);
      g_string_append (html, "</ul>\n");
      if (self->page_size < self->items)
        g_string_append_printf (html,
          "<button class=\"load-more\" data-href=\"/cards/more/items?offset=%u\">Load more"
          "</button>\n", self->page_size);
    }
  else
    {
      respond_status (self, msg, 404);
      return;
    }

  g_string_append (html, "<footer><a href=\"/cards/terms\">Terms</a> "
                         "<a href=\"/cards/privacy\">Privacy</a></footer></body></html>\n");
  respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
}

/* Pages that attack the client: redirect loops and long chains, a redirect
 * to a local file or to any URL (?to=), a page whose video is anywhere
 * (?src=), a page too big to read, HTML nested 100,000 deep, and a small
 * gzip body that inflates past any sane page size. */
static void
serve_hostile (TrawlBoardServer  *self,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query)
{
  const char *target = query != NULL ? g_hash_table_lookup (query, "to") : NULL;
  const char *src = query != NULL ? g_hash_table_lookup (query, "src") : NULL;
  guint64 n;

  if (g_str_equal (path, "/hostile/redirect") && target != NULL)
    {
      soup_server_message_set_redirect (msg, 302, target);
      return;
    }

  if (g_str_equal (path, "/hostile/video") && src != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (src, -1);
      g_autofree char *html = g_strdup_printf ("<html><head><title>Elsewhere</title></head>"
                                               "<body><video src=\"%s\"></video></body></html>",
                                               escaped);

      respond (self, msg, 200, "text/html; charset=utf-8", html, strlen (html));
      return;
    }

  if (g_str_equal (path, "/hostile/loop"))
    {
      soup_server_message_set_redirect (msg, 302, "/hostile/loop");
      return;
    }

  if (g_str_has_prefix (path, "/hostile/chain/") &&
      g_ascii_string_to_unsigned (path + strlen ("/hostile/chain/"), 10, 0, 1000, &n, NULL))
    {
      g_autofree char *next = g_strdup_printf ("/hostile/chain/%u", (guint) n - 1);

      if (n == 0)
        respond (self, msg, 200, "text/html", "<html><body>end</body></html>", 29);
      else
        soup_server_message_set_redirect (msg, 302, next);
      return;
    }

  if (g_str_equal (path, "/hostile/file"))
    {
      soup_server_message_set_status (msg, 302, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                    "file:///etc/passwd");
      return;
    }

  if (g_str_equal (path, "/hostile/huge"))
    {
      /* 40 MiB of links, streamed. */
      Stream *stream = g_new0 (Stream, 1);

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "text/html", NULL);
      stream->self = self;
      stream->msg = msg;
      stream->id = 0;
      stream->end = 40 * 1024 * 1024;
      stream->cut = G_MAXUINT64;
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CONTENT_LENGTH);
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                               stream->end);
      soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
      stream_start (stream);
      return;
    }

  if (g_str_equal (path, "/hostile/deep"))
    {
      GString *html = g_string_new ("<html><body>");

      for (guint i = 0; i < 100000; i++)
        g_string_append (html, "<div>");
      g_string_append (html, "<video src=\"/mp4/deep.mp4\"></video></body></html>");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, html->str, html->len);
      g_string_free (html, FALSE);
      return;
    }

  if (g_str_equal (path, "/hostile/bomb"))
    {
      if (self->bomb == NULL)
        {
          g_autoptr(GZlibCompressor) gzip =
            g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
          g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
          g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory,
                                                                        G_CONVERTER (gzip));
          g_autofree char *zeros = g_malloc0 (1024 * 1024);

          /* 256 MiB of zeros: a quarter of a megabyte on the wire. */
          for (guint i = 0; i < 256; i++)
            g_output_stream_write_all (out, zeros, 1024 * 1024, NULL, NULL, NULL);
          g_output_stream_close (out, NULL, NULL);
          self->bomb = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
        }
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Encoding", "gzip");
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (self->bomb, NULL),
                                        g_bytes_get_size (self->bomb));
      return;
    }

  respond_status (self, msg, 404);
}

static void
remember_header (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  g_hash_table_insert (user_data, g_ascii_strdown (name, -1), g_strdup (value));
}

/* Counts the request and keeps its headers for the tests to look at. */
static void
count (TrawlBoardServer  *self,
       SoupServerMessage *msg,
       TrawlRequestKind   kind)
{
  self->requests[kind]++;
  g_clear_pointer (&self->last_headers[kind], g_hash_table_unref);
  self->last_headers[kind] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), remember_header,
                                self->last_headers[kind]);
}

const char *
trawl_board_server_get_last_header (TrawlBoardServer *self,
                                    TrawlRequestKind  kind,
                                    const char       *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  g_return_val_if_fail (kind < TRAWL_N_REQUEST_KINDS, NULL);
  if (self->last_headers[kind] == NULL)
    return NULL;
  return g_hash_table_lookup (self->last_headers[kind], lower);
}

typedef struct
{
  SoupServerMessage *msg;
  GBytes            *body;
  gsize              position;
  gboolean           finished;
} Drip;

static void
drip_finished (Drip *drip)
{
  drip->finished = TRUE;
}

static void
drip_free (Drip *drip)
{
  g_bytes_unref (drip->body);
  g_free (drip);
}

static void
drip_next (Drip *drip)
{
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  if (drip->position >= g_bytes_get_size (drip->body))
    {
      soup_message_body_complete (body);
      return;
    }
  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const guint8 *) g_bytes_get_data (drip->body, NULL) +
                            drip->position, 1);
  drip->position++;
}

static gboolean
drip_paced (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  Drip *drip = g_object_get_data (G_OBJECT (msg), "trawl-drip");

  if (!drip->finished)
    {
      drip_next (drip);
      soup_server_message_unpause (msg);
    }
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
drip_wrote_chunk (Drip *drip)
{
  g_timeout_add (100, drip_paced, g_object_ref (drip->msg));
}

/* Ten bytes a second, the length announced: alive, never done in time. */
static void
drip_start (SoupServerMessage *msg,
            const char        *content_type,
            GBytes            *body)
{
  Drip *drip = g_new0 (Drip, 1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  drip->msg = msg;
  drip->body = g_bytes_ref (body);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_set_content_length (headers, (goffset) g_bytes_get_size (body));
  g_object_set_data_full (G_OBJECT (msg), "trawl-drip", drip, (GDestroyNotify) drip_free);
  g_signal_connect_swapped (msg, "wrote-chunk", G_CALLBACK (drip_wrote_chunk), drip);
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (drip_finished), drip);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (drip_finished), drip);
  drip_next (drip);
}

/* HLS: the streams (trawl-hls-streams.c), and a board of watch pages
 * whose players load them, for the generic extractor. */
static void
serve_hls (TrawlBoardServer  *self,
           SoupServerMessage *msg,
           const char        *path)
{
  static const char * const kinds[] = { "ts", "fmp4", "range", "aes", "master" };
  g_autoptr(GString) html = g_string_new ("<!DOCTYPE html><html><head><title>");
  TrawlHlsAnswer *answer;

  if (self->hls == NULL)
    {
      respond_status (self, msg, 404);
      return;
    }
  if (g_str_equal (path, "/hls/board"))
    {
      g_string_append (html, "Streams</title></head><body><ul>\n");
      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        g_string_append_printf (html, "<li><a href=\"watch/%s\">Stream %s</a></li>\n", kinds[i],
                                kinds[i]);
      g_string_append (html, "</ul></body></html>\n");
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }
  if (g_str_has_prefix (path, "/hls/watch/"))
    {
      const char *kind = path + strlen ("/hls/watch/");

      g_string_append_printf (html,
        "Stream %s</title><meta property=\"og:title\" content=\"Stream %s\"></head><body>"
        "<video controls><source src=\"/hls/%s/index.m3u8\" type=\"application/x-mpegURL\">"
        "</video></body></html>\n", kind, kind, kind);
      respond (self, msg, 200, "text/html; charset=utf-8", html->str, html->len);
      return;
    }

  answer = trawl_hls_streams_answer (self->hls, path + strlen ("/hls/"),
                                     soup_message_headers_get_one (
                                       soup_server_message_get_request_headers (msg), "Range"));
  if (answer->body == NULL && answer->status == 416)
    {
      g_autofree char *range = g_strdup_printf ("bytes */%zu", answer->range_total);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Range", range);
      respond_status (self, msg, 416);
    }
  else if (answer->body == NULL)
    respond_status (self, msg, answer->status);
  else if (answer->drip)
    drip_start (msg, answer->content_type, answer->body);
  else
    {
      gsize length;
      gconstpointer data = g_bytes_get_data (answer->body, &length);

      /* A whole answer is whole: libsoup's own range answer for a range
       * past a short body is a critical. */
      if (answer->status == 200)
        soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
      if (answer->status == 206)
        soup_message_headers_set_content_range (
          soup_server_message_get_response_headers (msg), (goffset) answer->range_start,
          (goffset) (answer->range_start + length - 1), (goffset) answer->range_total);
      respond (self, msg, answer->status, answer->content_type, data, length);
      if (answer->no_length)
        {
          soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                             SOUP_ENCODING_CHUNKED);
          soup_message_body_complete (soup_server_message_get_response_body (msg));
        }
      if (answer->hold)
        {
          soup_server_message_pause (msg);
          g_ptr_array_add (self->stalled, g_object_ref (msg));
        }
    }
  trawl_hls_answer_free (answer);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  TrawlBoardServer *self = user_data;
  g_autofree char *list_path = g_strdup_printf ("/category_%u", CATEGORY);
  guint64 id;
  guint index;

  if (g_str_has_prefix (path, "/mp4/"))
    {
      count (self, msg, TRAWL_REQUEST_VIDEO);
      flight_begin (self, msg, TRUE);
      serve_video (self, msg, path);
      return;
    }

  flight_begin (self, msg, FALSE);

  if (g_str_equal (path, list_path))
    {
      count (self, msg, TRAWL_REQUEST_LIST);
      serve_list (self, msg);
    }
  else if (g_str_equal (path, "/category_loading.jsp"))
    {
      count (self, msg, TRAWL_REQUEST_LOADING);
      serve_loading (self, msg, query);
    }
  else if (g_str_has_prefix (path, "/video_") &&
           g_ascii_string_to_unsigned (path + strlen ("/video_"), 10, 0, G_MAXUINT, &id, NULL) &&
           index_for_id (self, id, &index))
    {
      count (self, msg, TRAWL_REQUEST_DETAIL);
      serve_detail (self, msg, index);
    }
  else if (g_str_has_prefix (path, "/thumb_") && g_str_has_suffix (path, ".png"))
    {
      count (self, msg, TRAWL_REQUEST_THUMBNAIL);
      serve_thumbnail (self, msg);
    }
  else if (g_str_equal (path, "/videoStatus.jsp"))
    {
      count (self, msg, TRAWL_REQUEST_API);
      serve_api (self, msg, query);
    }
  else if (g_str_has_prefix (path, "/hostile/"))
    {
      count (self, msg, TRAWL_REQUEST_OTHER);
      serve_hostile (self, msg, path, query);
    }
  else if (g_str_has_prefix (path, "/hls/"))
    {
      count (self, msg, TRAWL_REQUEST_OTHER);
      serve_hls (self, msg, path);
    }
  else if (g_str_has_prefix (path, "/plain/"))
    {
      count (self, msg, TRAWL_REQUEST_OTHER);
      serve_plain (self, msg, path);
    }
  else if (g_str_has_prefix (path, "/cards/"))
    {
      count (self, msg, g_str_has_prefix (path, "/cards/watch/") ? TRAWL_REQUEST_DETAIL
                                                                 : TRAWL_REQUEST_LIST);
      serve_cards (self, msg, path, query);
    }
  else
    {
      count (self, msg, TRAWL_REQUEST_OTHER);
      respond_status (self, msg, 404);
    }
}

/**
 * trawl_board_server_set_hls:
 * @fixtures: the folder of the HLS fixtures (tests/fixtures/hls)
 *
 * Serves the HLS streams under /hls/ (see trawl-hls-streams.h).
 */
gboolean
trawl_board_server_set_hls (TrawlBoardServer  *self,
                            const char        *fixtures,
                            GError           **error)
{
  g_clear_pointer (&self->hls, trawl_hls_streams_free);
  self->hls = trawl_hls_streams_new (fixtures, error);
  return self->hls != NULL;
}

TrawlHlsStreams *
trawl_board_server_get_hls (TrawlBoardServer *self)
{
  return self->hls;
}

static gboolean
start (TrawlBoardServer  *self,
       guint              port,
       GTlsCertificate   *certificate,
       GError           **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSList) uris = NULL;

  g_return_val_if_fail (TRAWL_IS_BOARD_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  self->server = soup_server_new ("server-header", "trawl-board-server ",
                                  "tls-certificate", certificate,
                                  NULL);
  soup_server_add_handler (self->server, NULL, handler, self, NULL);

  if (!soup_server_listen (self->server, address,
                           certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  {
    GUri *uri = uris->data;

    self->base = g_strdup_printf ("%s://127.0.0.1:%d", certificate != NULL ? "https" : "http",
                                  g_uri_get_port (uri));
  }
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return TRUE;
}

gboolean
trawl_board_server_start (TrawlBoardServer  *self,
                          guint              port,
                          GError           **error)
{
  return start (self, port, NULL, error);
}

/* The same board over HTTPS, with @certificate (and its key). */
gboolean
trawl_board_server_start_tls (TrawlBoardServer  *self,
                              GTlsCertificate   *certificate,
                              GError           **error)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  return start (self, 0, certificate, error);
}

void
trawl_board_server_set_endless (TrawlBoardServer *self,
                                gboolean          endless)
{
  self->endless = endless;
}

char *
trawl_board_server_get_base_url (TrawlBoardServer *self)
{
  return g_strdup (self->base);
}

char *
trawl_board_server_get_url (TrawlBoardServer *self)
{
  return g_strdup_printf ("%s/category_%u", self->base, CATEGORY);
}

void
trawl_board_server_set_items (TrawlBoardServer *self,
                              guint             items)
{
  self->items = items;
}

void
trawl_board_server_set_page_size (TrawlBoardServer *self,
                                  guint             page_size)
{
  self->page_size = MAX (page_size, 1);
}

void
trawl_board_server_set_form (TrawlBoardServer *self,
                             TrawlBoardForm    form)
{
  self->form = form;
}

void
trawl_board_server_set_video_size (TrawlBoardServer *self,
                                   guint64           size)
{
  self->video_size = size;
}

void
trawl_board_server_set_latency (TrawlBoardServer *self,
                                guint             ms)
{
  self->latency = ms;
}

void
trawl_board_server_set_range (TrawlBoardServer *self,
                              gboolean          supported)
{
  self->range = supported;
}

void
trawl_board_server_set_hostile (TrawlBoardServer *self,
                                gboolean          hostile)
{
  self->hostile = hostile;
}

void
trawl_board_server_set_gbk (TrawlBoardServer *self,
                            gboolean          gbk)
{
  self->gbk = gbk;
}

void
trawl_board_server_set_version (TrawlBoardServer *self,
                                guint             version)
{
  self->version = version;
}

/* Cover images wait, unanswered, until the hold is lifted. */
void
trawl_board_server_hold_thumbnails (TrawlBoardServer *self,
                                    gboolean          hold)
{
  self->hold_thumbnails = hold;
  if (hold)
    return;

  for (guint i = 0; i < self->held_thumbnails->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (self->held_thumbnails, i);

      serve_thumbnail (self, msg);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (self->held_thumbnails, 0);
}

void
trawl_board_server_hold_videos (TrawlBoardServer *self,
                                gboolean          hold)
{
  self->hold = hold;
  if (!hold)
    release_held (self);
}

void
trawl_board_server_add_fault (TrawlBoardServer *self,
                              guint             index,
                              TrawlFault        fault,
                              guint             arg,
                              guint             times)
{
  Fault *entry = g_new0 (Fault, 1);

  entry->fault = fault;
  entry->arg = arg;
  entry->times = times;
  g_hash_table_replace (self->faults, GUINT_TO_POINTER (trawl_board_server_item_id (index)), entry);
}

void
trawl_board_server_set_range_fault (TrawlBoardServer *self,
                                    TrawlRangeFault   fault,
                                    guint             status)
{
  self->range_fault = fault;
  self->range_fault_status = status;
}

guint
trawl_board_server_get_range_faults (TrawlBoardServer *self)
{
  return self->range_faults;
}

/* An answer to a video request that the client closed before its end
 * still counts as being answered for @ms: the server notices the close
 * late (as nginx under limit_rate does, at its next write), so a request
 * sent as another connection closes meets the parallel rule. */
void
trawl_board_server_set_close_linger (TrawlBoardServer *self,
                                     guint             ms)
{
  self->close_linger_ms = ms;
}

/* The answer to a request for a video while another one for it is being
 * answered; @status for TRAWL_PARALLEL_REFUSE. */
void
trawl_board_server_set_parallel (TrawlBoardServer *self,
                                 TrawlParallel     parallel,
                                 guint             status)
{
  self->parallel = parallel;
  self->parallel_status = status;
}

/* Each 206 carries at most @bytes of the range asked for (some CDNs cap
 * their answers); 0: no cap. */
void
trawl_board_server_set_answer_cap (TrawlBoardServer *self,
                                   guint64           bytes)
{
  self->answer_cap = bytes;
}

/* The most requests for one video answered at once since the counters
 * were reset. */
guint
trawl_board_server_get_max_streams_per_video (TrawlBoardServer *self)
{
  return self->max_streams_per_video;
}

/* Requests the parallel policy refused, dropped or answered whole. */
guint
trawl_board_server_get_parallel_refused (TrawlBoardServer *self)
{
  return self->parallel_refused;
}

void
trawl_board_server_clear_faults (TrawlBoardServer *self)
{
  g_hash_table_remove_all (self->faults);
}

guint
trawl_board_server_get_in_flight (TrawlBoardServer *self)
{
  return self->in_flight;
}

guint
trawl_board_server_get_max_in_flight (TrawlBoardServer *self)
{
  return self->max_in_flight;
}

guint
trawl_board_server_get_videos_in_flight (TrawlBoardServer *self)
{
  return self->videos_in_flight;
}

guint
trawl_board_server_get_max_videos_in_flight (TrawlBoardServer *self)
{
  return self->max_videos_in_flight;
}

guint
trawl_board_server_get_requests (TrawlBoardServer *self,
                                 TrawlRequestKind  kind)
{
  g_return_val_if_fail (kind < TRAWL_N_REQUEST_KINDS, 0);
  return self->requests[kind];
}

guint
trawl_board_server_get_range_requests (TrawlBoardServer *self)
{
  return self->range_requests;
}

guint64
trawl_board_server_get_video_bytes (TrawlBoardServer *self)
{
  return self->video_bytes;
}

void
trawl_board_server_reset_counters (TrawlBoardServer *self)
{
  memset (self->requests, 0, sizeof self->requests);
  self->max_in_flight = self->in_flight;
  self->max_videos_in_flight = self->videos_in_flight;
  self->range_requests = 0;
  self->video_bytes = 0;
  self->max_streams_per_video = 0;
  self->parallel_refused = 0;
  self->range_faults = 0;
  self->range_faults_due = 0;
}

void
trawl_board_server_set_titles (TrawlBoardServer   *self,
                               const char * const *titles)
{
  g_strfreev (self->titles);
  self->titles = g_strdupv ((char **) titles);
}

/* Each video is sent at about this many bytes per second (0: as fast as
 * possible), so a demo shows its progress bars moving. */
void
trawl_board_server_set_video_rate (TrawlBoardServer *self,
                                   guint64           bytes_per_second)
{
  self->video_rate = bytes_per_second;
}

/* The first @bytes of each video answer go as fast as possible, only the
 * rest at the video rate: as nginx's limit_rate sends a first chunk of
 * each answer before it holds the next back. */
void
trawl_board_server_set_video_burst (TrawlBoardServer *self,
                                    guint64           bytes)
{
  self->video_burst = bytes;
}

/* Videos answer 403 unless asked for with their detail page as Referer. */
void
trawl_board_server_set_video_referer (TrawlBoardServer *self,
                                      gboolean          required)
{
  g_return_if_fail (TRAWL_IS_BOARD_SERVER (self));
  self->video_referer = required;
}

/* Many servers (and Python's http.server) refuse HEAD. */
void
trawl_board_server_set_refuse_head (TrawlBoardServer *self,
                                    gboolean          refuse)
{
  g_return_if_fail (TRAWL_IS_BOARD_SERVER (self));
  self->refuse_head = refuse;
}
