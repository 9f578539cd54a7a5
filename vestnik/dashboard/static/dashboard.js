// Swap in the fragments each server event carries; EventSource reconnects on its own.
(function () {
  const live = document.getElementById("live");
  const source = new EventSource(document.body.dataset.events);
  source.addEventListener("snapshot", (event) => {
    const parts = JSON.parse(event.data);
    for (const [id, html] of Object.entries(parts)) {
      const element = document.getElementById(id);
      if (element) element.innerHTML = html;
    }
    live.classList.remove("lost");
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  });
  source.addEventListener("error", () => live.classList.add("lost"));
})();
