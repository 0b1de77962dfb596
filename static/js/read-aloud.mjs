// "Read this to me": reads a question and its choices aloud with the browser's own speech. The
// buttons are hidden in the page and shown here only where the browser can speak.
if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
  for (const button of document.querySelectorAll("[data-read-aloud]")) {
    const question = document.getElementById(button.dataset.readAloud);
    if (!question) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const words = [...question.querySelectorAll("legend, .govuk-label, .govuk-hint, .govuk-error-message")]
        .map((element) => element.textContent.replace(/\s+/g, " ").trim())
        .filter(Boolean)
        .join(". ");
      const utterance = new SpeechSynthesisUtterance(words);
      utterance.lang = "en-GB";
      utterance.rate = 0.9;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
  }
}
