from sidos.listening.connectors.text import html_to_text


def test_tags_go_and_paragraphs_and_line_breaks_stay():
    html = "<p>Verkkopankki <b>ei</b> toimi.<br>Taas!</p><p>Toinen kappale</p>"
    assert html_to_text(html) == "Verkkopankki ei toimi.\nTaas!\n\nToinen kappale"


def test_scripts_styles_and_comments_go_with_their_content():
    html = (
        "<p>Kö<script>alert('x')</script> på banken</p><style>p { color: red }</style>"
        "<!-- hidden --><SCRIPT type='text/javascript'>steal()</SCRIPT><iframe src='x'>frame</iframe>"
    )
    assert html_to_text(html) == "Kö på banken"


def test_entities_are_decoded_once():
    assert (
        html_to_text("<p>5 &lt; 10 &amp;&amp; &quot;ok&quot; &#8211; &amp;lt;</p>") == '5 < 10 && "ok" – &lt;'
    )


def test_image_alt_text_is_kept_as_words():
    # The one HTML-to-text of sidos/lib/htmltext.py, shared with mail: an image's words in brackets.
    assert (
        html_to_text('<p>Hienoa <img src="x.png" alt=":blobcat:" onerror="alert(1)"></p>')
        == "Hienoa [:blobcat:]"
    )


def test_broken_markup_still_gives_the_words():
    assert (
        html_to_text("<p>Приложение <i>не работает<p>совсем</div></span>")
        == "Приложение не работает\nсовсем"
    )
    assert html_to_text("plain text, no markup") == "plain text, no markup"
    assert html_to_text("") == ""


def test_an_unclosed_script_hides_the_rest_rather_than_leaking_code():
    assert html_to_text("<p>Hei</p><script>document.cookie") == "Hei"
