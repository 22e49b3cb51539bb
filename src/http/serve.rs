//! The one serve loop every native server uses (message URL, token service,
//! sandbox): hyper's HTTP/1 connection with a header-read timeout, an idle
//! keep-alive timeout, a request-body timeout and a connection cap, so slow
//! or silent clients cannot hold sockets (and file descriptors) forever.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// How long a client may take; every field settable (short in tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// From waiting for a request head (new or kept-alive connection) to its end.
    pub header_read: Duration,
    /// A connection with no request in progress and no bytes arriving
    /// (a kept-alive one also meets `header_read`: the shorter wins).
    pub idle: Duration,
    /// The longest wait between two pieces of a request body.
    pub body: Duration,
    /// Open connections at most; more wait in the kernel's accept queue.
    pub max_connections: usize,
}

impl Default for Limits {
    /// WeChat's pushes are small and answered within 5 s; a client that has
    /// sent nothing for 10 s is not WeChat. Idle 5 s as node's http server
    /// (hyper's head timer also runs while a kept-alive connection waits, so
    /// an idle connection lasts min(idle, header_read)). 1,024 connections
    /// stays well under the usual file limit.
    fn default() -> Self {
        Limits { header_read: Duration::from_secs(10), idle: Duration::from_secs(5), body: Duration::from_secs(10), max_connections: 1024 }
    }
}

impl Limits {
    /// Optional overrides in milliseconds (JS options); 0 or None keeps the default.
    pub fn with_ms(header_read: Option<u32>, idle: Option<u32>, body: Option<u32>, max_connections: Option<u32>) -> Limits {
        let d = Limits::default();
        let ms = |v: Option<u32>, dflt: Duration| v.filter(|v| *v > 0).map_or(dflt, |v| Duration::from_millis(v as u64));
        Limits {
            header_read: ms(header_read, d.header_read),
            idle: ms(idle, d.idle),
            body: ms(body, d.body),
            max_connections: max_connections.filter(|v| *v > 0).map_or(d.max_connections, |v| v as usize),
        }
    }
}

/// What a server keeps to stop: signal, then wait for the connections.
pub struct Server {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops accepting; requests in progress are answered, idle connections
    /// closed; returns when every connection is gone.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// The accept loop's task (for servers that track their tasks themselves).
    pub fn into_parts(self) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        (self.stop, self.task)
    }
}

/// Serves `router` on `listener`. `wrap` turns each accepted socket into the
/// IO hyper drives and a value the handlers get as `ConnectInfo<C>`.
pub fn serve<IO, C, W>(listener: TcpListener, router: Router, limits: Limits, wrap: W) -> Server
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    C: Clone + Send + Sync + 'static,
    W: Fn(TcpStream, SocketAddr) -> (IO, C) + Send + 'static,
{
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, limits, wrap, stopped));
    Server { stop, task }
}

/// The common case: plain TCP, the peer's address as `ConnectInfo<SocketAddr>`.
pub fn serve_tcp(listener: TcpListener, router: Router, limits: Limits) -> Server {
    serve(listener, router, limits, |s, a| (s, a))
}

async fn accept_loop<IO, C, W>(listener: TcpListener, router: Router, limits: Limits, wrap: W, mut stopped: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    C: Clone + Send + Sync + 'static,
    W: Fn(TcpStream, SocketAddr) -> (IO, C) + Send + 'static,
{
    let cap = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(cap));
    loop {
        // A slot first: over the cap, new connections wait in the accept queue.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("never closed"),
            _ = stop_signal(&mut stopped) => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop_signal(&mut stopped) => break,
        };
        let _ = tcp.set_nodelay(true);
        let (io, info) = wrap(tcp, peer);
        let router = router.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            connection(io, info, router, limits, stopped).await;
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a slot: all slots back = all connections gone.
    let _ = slots.acquire_many(cap as u32).await;
}

async fn connection<IO, C>(io: IO, info: C, router: Router, limits: Limits, mut stopped: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    C: Clone + Send + Sync + 'static,
{
    let activity = Arc::new(Activity { since: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) });
    let io = TokioIo::new(Watched { inner: io, activity: activity.clone() });
    let act = activity.clone();
    let body_timeout = limits.body;
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let (router, info, act) = (router.clone(), info.clone(), act.clone());
        async move {
            let guard = InFlight::new(act);
            let mut req = req.map(|b| Body::new(TimedBody::new(b, body_timeout)));
            req.extensions_mut().insert(ConnectInfo(info));
            let res: Response<Body> = router.oneshot(req).await.unwrap_or_else(|e: Infallible| match e {});
            // Done when the answer is handed over: its body is small and written at once.
            drop(guard);
            Ok::<_, Infallible>(res)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read).keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval((limits.idle / 4).max(Duration::from_millis(10)));
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop_signal(&mut stopped), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tick.tick(), if !closing => {
                if activity.idle_for() >= limits.idle {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Resolves once the server is told to stop (or dropped).
async fn stop_signal(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// When a connection last moved bytes, and whether a request is in progress.
struct Activity {
    since: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        self.last_ms.store(self.since.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        let now = self.since.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(a: Arc<Activity>) -> InFlight {
        a.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(a)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting every read that brings bytes.
struct Watched<IO> {
    inner: IO,
    activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that fails when the client stops sending it.
struct TimedBody {
    inner: Incoming,
    limit: Duration,
    /// Armed at the first read: a handler may look at the body late.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl TimedBody {
    fn new(inner: Incoming, limit: Duration) -> TimedBody {
        TimedBody { inner, limit, sleep: None }
    }
}

#[derive(Debug)]
struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body stopped arriving")
    }
}

impl std::error::Error for BodyTimeout {}

impl HttpBody for TimedBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                this.sleep = None;
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let limit = this.limit;
                let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
