// 走访清单: the print link prints the list (a script file, as the console's Content-Security-Policy allows no inline script)
document.addEventListener("DOMContentLoaded", () => {
  const link = document.getElementById("print");
  if (link) link.addEventListener("click", (event) => { event.preventDefault(); window.print(); });
});
